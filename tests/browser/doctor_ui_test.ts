/**
 * The doctor web UI in a real browser (headless Chromium) against the real server process:
 * login by one-time code, availability with breaks and a day off and its preview (which the API
 * then offers exactly), a patient's booking on the agenda, notes and completion (checked through
 * the API), a save from a page the visit changed behind (412, an accessible notice), profile edits,
 * CSRF and session-expiry refusals, Hindi, axe-core on every page, the deactivated doctor's banner,
 * and
 * screenshots at 360 px and 1280 px in test-artifacts/screenshots/.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import {
  Api,
  createDoctor,
  dateInDays,
  firstSlots,
  randomPhone,
  WEEKDAYS,
} from "../_harness/api.ts";
import { book } from "../_harness/book.ts";
import { startServer } from "../_harness/server.ts";
import {
  assertAccessible,
  launchBrowser,
  loginInBrowser,
  screenshot,
  watchCsp,
} from "./_browser.ts";

const TZ = "Asia/Kolkata";
const localDate = (iso: string) =>
  new Intl.DateTimeFormat("en-CA", { timeZone: TZ }).format(Date.parse(iso));
const localTime = (iso: string) =>
  new Intl.DateTimeFormat("en-GB", { timeZone: TZ, hour: "2-digit", minute: "2-digit" }).format(
    Date.parse(iso),
  );

/** Runs in the page: compares the number of previewed slots (a function, since the CSP forbids eval). */
/**
 * Clicks a submit button whose POST renders the same URL again, and waits until the new document
 * has replaced the old one (waitForURL would match the old page at once; app.js may have changed
 * the old page's preview meanwhile).
 */
async function submitAndReload(page: Page, selector: string): Promise<void> {
  await page.evaluate(() => {
    (globalThis as unknown as { __vaidyaOld?: boolean }).__vaidyaOld = true;
  });
  await page.click(selector);
  await page.waitForFunction(() =>
    !(globalThis as unknown as { __vaidyaOld?: boolean }).__vaidyaOld &&
    (globalThis as unknown as { document: { readyState: string } }).document.readyState !==
      "loading"
  );
}

function previewCountIs({ op, n }: { op: string; n: number }): boolean {
  // deno-lint-ignore no-explicit-any
  const count = (globalThis as any).document.querySelectorAll("#preview time").length;
  return op === "lt" ? count < n : count === n;
}

Deno.test({
  name: "doctor UI: login, availability preview, agenda, notes, profile, CSRF, Hindi, axe",
  // playwright keeps its pipe and timers open across steps; they close with the browser.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer({ env: { RATE_LIMIT_DISABLED: "true" } });
    let browser: Browser | null = null;
    try {
      const api = new Api(server.url);
      const admin = await api.loginAdmin();
      const doctor = await createDoctor(api, admin);
      browser = await launchBrowser();
      const context = await browser.newContext({ viewport: { width: 360, height: 780 } });
      const page = await context.newPage();
      const csp = watchCsp(page);
      const dayOff = dateInDays(2);
      let previewStarts: string[] = [];

      await t.step("an unauthenticated visit goes to login and back after the code", async () => {
        await page.goto(`${server.url}/doctor/availability`);
        assert.equal(new URL(page.url()).pathname, "/doctor/login");
        assert.equal(new URL(page.url()).searchParams.get("next"), "/doctor/availability");
        await assertAccessible(page, "login");
        const cookieHeader = (await page.request.get(`${server.url}/doctor/login`)).headers();
        assert.match(cookieHeader["content-security-policy"], /script-src 'self';/);
        assert.match(cookieHeader["content-security-policy"], /base-uri 'none'/);
        await loginInBrowser(page, api, doctor.phone);
        assert.equal(new URL(page.url()).pathname, "/doctor/availability");
        const session = (await context.cookies()).find((c) => c.name === "vaidya_ui");
        assert.ok(session, "session cookie set");
        assert.equal(session.httpOnly, true);
        assert.equal(session.sameSite, "Strict");
        assert.equal(session.path, "/doctor");
      });

      await t.step("weekly hours with a break and a day off show in the preview", async () => {
        for (const day of WEEKDAYS) {
          const hours = day === "sun" ? ["", "", "", ""] : ["10:00", "13:00", "14:00", "16:00"];
          await page.fill(`[name="w.${day}.0.start"]`, hours[0]);
          await page.fill(`[name="w.${day}.0.end"]`, hours[1]);
          await page.fill(`[name="w.${day}.1.start"]`, hours[2]);
          await page.fill(`[name="w.${day}.1.end"]`, hours[3]);
        }
        await page.fill('[name="o.0.date"]', dayOff);
        await page.check('[name="o.0.off"]');
        await page.fill('[name="slotMinutes"]', "30");
        await page.fill('[name="bufferMinutes"]', "0");
        await page.fill('[name="minNoticeMinutes"]', "0");
        await page.fill('[name="horizonDays"]', "30");
        await page.fill('[name="maxPerDay"]', "");
        // The no-JS path: the Preview button posts the form and renders it back unsaved.
        await submitAndReload(page, 'button[value="preview"]');
        previewStarts = await page.$$eval(
          "#preview time",
          (els) => els.map((e) => e.getAttribute("datetime")!),
        );
        assert.ok(previewStarts.length > 0, "preview lists slots");
        assert.ok(!previewStarts.some((s) => localDate(s) === dayOff), "no slot on the day off");
        assert.ok(
          !previewStarts.some((s) => localTime(s) >= "13:00" && localTime(s) < "14:00"),
          "break kept",
        );
        assert.ok(previewStarts.every((s) => localTime(s) >= "10:00" && localTime(s) < "16:00"));
        assert.ok(
          !previewStarts.some((s) => new Date(`${localDate(s)}T12:00:00Z`).getUTCDay() === 0),
          "no Sunday",
        );
        assert.equal(
          await page.inputValue('[name="w.mon.1.start"]'),
          "14:00",
          "form keeps what was typed",
        );
      });

      await t.step("the live preview follows the form as the doctor types (app.js)", async () => {
        const count = () => page.$$eval("#preview time", (els) => els.length);
        await page.fill('[name="slotMinutes"]', "60");
        await page.waitForFunction(previewCountIs, { op: "lt", n: previewStarts.length });
        await page.fill('[name="slotMinutes"]', "30");
        await page.waitForFunction(previewCountIs, { op: "eq", n: previewStarts.length });
        assert.equal(await count(), previewStarts.length);
      });

      await t.step("a bad time shows an error beside the field and saves nothing", async () => {
        await page.fill('[name="w.tue.2.start"]', "15:00");
        await page.fill('[name="w.tue.2.end"]', "17:00");
        await submitAndReload(page, 'button[value="save"]');
        const error = await page.textContent("#f-w-tue-2-start-error");
        assert.match(error ?? "", /overlaps/);
        assert.equal(await page.getAttribute('[name="w.tue.2.start"]', "aria-invalid"), "true");
        assert.equal(await page.inputValue('[name="w.tue.2.end"]'), "17:00", "typed value kept");
        const stored = await api.request<{ availability: { weekly: unknown[] } }>(
          "GET",
          `/v1/doctors/${doctor.id}`,
        );
        assert.equal(stored.body.availability.weekly.length, 7, "still the fixture's hours");
        await page.fill('[name="w.tue.2.start"]', "");
        await page.fill('[name="w.tue.2.end"]', "");
      });

      await t.step("saving makes the API offer exactly the previewed slots", async () => {
        await Promise.all([page.waitForURL(/saved=1/), page.click('button[value="save"]')]);
        await assertAccessible(page, "availability");
        await screenshot(page, "availability-360");
        const from = localDate(previewStarts[0]);
        const res = await api.request<{ slots: { start: string }[] }>(
          "GET",
          `/v1/doctors/${doctor.id}/slots?from=${dateInDays(0)}&to=${dateInDays(6)}`,
        );
        assert.equal(res.status, 200);
        // A slot may start while the test runs; compare those safely in the future.
        const soon = Date.now() + 10 * 60_000;
        const later = (list: string[]) => list.filter((s) => Date.parse(s) > soon);
        assert.deepEqual(later(res.body.slots.map((s) => s.start)), later(previewStarts));
        assert.ok(from >= dateInDays(0));
      });

      let appointmentId = "";
      await t.step("a patient's booking through the API shows on the agenda", async () => {
        const patient = await api.login(randomPhone());
        const start = previewStarts.at(-1)!;
        const hold = await api.request<{ id: string }>("POST", "/v1/holds", {
          token: patient.accessToken,
          body: { doctorId: doctor.id, start },
        });
        assert.equal(hold.status, 201, JSON.stringify(hold.body));
        const code = await api.latestCode(patient.phone);
        const confirmed = await api.request<{ appointment: { id: string } }>(
          "POST",
          `/v1/holds/${hold.body.id}/confirm`,
          {
            token: patient.accessToken,
            body: { code, reason: "Joint pain in the mornings" },
          },
        );
        assert.equal(confirmed.status, 201, JSON.stringify(confirmed.body));
        appointmentId = confirmed.body.appointment.id;
        await page.goto(`${server.url}/doctor?date=${localDate(start)}`);
        const row = page.locator(`a[href="/doctor/appointments/${appointmentId}"]`);
        assert.equal(await row.count(), 1);
        assert.match(await page.textContent(".agenda") ?? "", /Joint pain in the mornings/);
        assert.match(
          await page.textContent(".agenda") ?? "",
          new RegExp(`Patient ${patient.user.id.slice(-6)}`),
        );
        await assertAccessible(page, "agenda");
        await screenshot(page, "agenda-360");
        await page.setViewportSize({ width: 1280, height: 800 });
        await screenshot(page, "agenda-1280");
        await page.goto(`${server.url}/doctor/week?start=${localDate(start)}`);
        assert.equal(
          await page.locator(`a[href="/doctor/appointments/${appointmentId}"]`).count(),
          1,
        );
        await assertAccessible(page, "week");
        await page.setViewportSize({ width: 360, height: 780 });
      });

      await t.step(
        "the doctor writes a note; a visit to come cannot be completed yet",
        async () => {
          await page.goto(`${server.url}/doctor/appointments/${appointmentId}`);
          await assertAccessible(page, "appointment");
          await page.fill(
            'textarea[name="notes"]',
            "Vata imbalance. Advised abhyanga, warm water.",
          );
          // Completed and no-show are marked once the visit has started: no buttons before.
          assert.equal(await page.locator('button[value="completed"]').count(), 0);
          assert.equal(await page.locator('button[value="no_show"]').count(), 0);
          await Promise.all([page.waitForURL(/saved=1/), page.click('button[value="notes"]')]);
          assert.equal(await page.textContent("#status"), "Confirmed");
          const asDoctor = await api.login(doctor.phone);
          const got = await api.request<{ status: string; notes: string }>(
            "GET",
            `/v1/appointments/${appointmentId}`,
            {
              token: asDoctor.accessToken,
            },
          );
          assert.equal(got.status, 200);
          assert.equal(got.body.status, "confirmed");
          assert.equal(got.body.notes, "Vata imbalance. Advised abhyanga, warm water.");
        },
      );

      await t.step(
        "a save from a page the visit changed behind is refused with an accessible notice",
        async () => {
          await page.goto(`${server.url}/doctor/appointments/${appointmentId}`);
          // Meanwhile, elsewhere (another tab, the API), the notes change.
          const asDoctor = await api.login(doctor.phone);
          const elsewhere = await api.request(
            "PATCH",
            `/v1/appointments/${appointmentId}`,
            { token: asDoctor.accessToken, body: { notes: "Written in another tab." } },
          );
          assert.equal(elsewhere.status, 200, JSON.stringify(elsewhere.body));
          await page.fill('textarea[name="notes"]', "Typed on the stale page.");
          const [answer] = await Promise.all([
            page.waitForResponse((r) => r.request().method() === "POST"),
            page.click('button[value="notes"]'),
          ]);
          assert.equal(answer.status(), 412);
          await page.waitForSelector('.notice.error[role="alert"]');
          assert.match(await page.textContent(".notice.error") ?? "", /changed elsewhere/);
          assert.equal(
            await page.inputValue('textarea[name="notes"]'),
            "Typed on the stale page.",
            "what was typed is kept",
          );
          await assertAccessible(page, "appointment changed elsewhere");
          const got = await api.request<{ notes: string }>(
            "GET",
            `/v1/appointments/${appointmentId}`,
            { token: asDoctor.accessToken },
          );
          assert.equal(got.body.notes, "Written in another tab.", "the stale save wrote nothing");
        },
      );

      await t.step("a POST without or with a wrong CSRF token is refused with 403", async () => {
        await page.goto(`${server.url}/doctor/profile`);
        const token = await page.inputValue('input[name="_csrf"]');
        const post = (body: string) =>
          page.evaluate(async (b) => {
            const res = await fetch("/doctor/profile", {
              method: "POST",
              headers: { "content-type": "application/x-www-form-urlencoded" },
              body: b,
            });
            return { status: res.status, text: await res.text() };
          }, body);
        const fields = "languages=en&specializations=Kayachikitsa&fee=700&bio=";
        const missing = await post(fields);
        assert.equal(missing.status, 403);
        assert.match(missing.text, /Request refused/);
        assert.equal((await post(`${fields}&_csrf=${"x".repeat(token.length)}`)).status, 403);
        const ok = await post(`${fields}&_csrf=${encodeURIComponent(token)}`);
        assert.equal(ok.status, 200, "the right token passes");
        const doc = await api.request<{ fee: number }>("GET", `/v1/doctors/${doctor.id}`);
        assert.equal(doc.body.fee, 700);
      });

      await t.step(
        "profile: a failed save keeps what was typed; a good one updates the doctor",
        async () => {
          await page.goto(`${server.url}/doctor/profile`);
          await assertAccessible(page, "profile");
          await page.fill('[name="languages"]', " , ");
          await page.fill('[name="specializations"]', "Panchakarma, Rasayana");
          await page.click('main button[type="submit"]');
          await page.waitForSelector("#f-languages-error");
          assert.equal(await page.inputValue('[name="specializations"]'), "Panchakarma, Rasayana");
          await page.fill('[name="languages"]', "hi, en");
          await page.fill('[name="fee"]', "800");
          await page.fill('[name="bio"]', "Twenty years of practice in Pune.");
          await Promise.all([page.waitForURL(/saved=1/), page.click('main button[type="submit"]')]);
          const doc = await api.request<Record<string, unknown>>("GET", `/v1/doctors/${doctor.id}`);
          assert.deepEqual(doc.body.languages, ["hi", "en"]);
          assert.deepEqual(doc.body.specializations, ["Panchakarma", "Rasayana"]);
          assert.equal(doc.body.fee, 800);
          assert.equal(doc.body.bio, "Twenty years of practice in Pune.");
        },
      );

      await t.step("the language switch shows the pages in Hindi", async () => {
        await page.click('a[lang="hi"]');
        await page.waitForURL(/\/doctor\/profile/);
        assert.equal(await page.getAttribute("html", "lang"), "hi");
        assert.equal(await page.textContent("h1"), "आपकी प्रोफ़ाइल");
        await assertAccessible(page, "profile (hi)");
        await page.goto(`${server.url}/doctor/availability`);
        await assertAccessible(page, "availability (hi)");
        await page.setViewportSize({ width: 1280, height: 800 });
        await screenshot(page, "availability-hi-1280");
        await page.click('a[lang="en"]');
      });

      await t.step(
        "no page broke the Content-Security-Policy; logout ends the session",
        async () => {
          assert.deepEqual(csp, []);
          await Promise.all([page.waitForURL(/\/doctor\/login/), page.click("button.link")]);
          await page.goto(`${server.url}/doctor`);
          assert.equal(new URL(page.url()).pathname, "/doctor/login");
        },
      );
    } finally {
      await browser?.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "doctor UI: an expired session returns to login and then to the page; patients are refused",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({
      env: { RATE_LIMIT_DISABLED: "true", UI_SESSION_TTL_SECONDS: "2" },
    });
    let browser: Browser | null = null;
    try {
      const api = new Api(server.url);
      const doctor = await createDoctor(api, await api.loginAdmin());
      browser = await launchBrowser();
      const page = await browser.newPage();

      await page.goto(`${server.url}/doctor/login`);
      await page.fill('input[name="phone"]', randomPhone());
      await page.click('main button[type="submit"]');
      await page.waitForSelector('input[name="code"]');
      const phone = await page.inputValue('input[name="phone"]');
      await page.fill('input[name="code"]', await api.latestCode(phone));
      await page.click('main button[type="submit"]');
      await page.waitForSelector(".notice.error");
      assert.match(await page.textContent(".notice.error") ?? "", /not registered to a doctor/);
      assert.equal((await page.context().cookies()).some((c) => c.name === "vaidya_ui"), false);

      await loginInBrowser(page, api, doctor.phone);
      assert.equal(new URL(page.url()).pathname, "/doctor");
      // Waits past the 2 s session lifetime; the assertion is on the redirect, not on timing.
      await new Promise((r) => setTimeout(r, 2500));
      await page.goto(`${server.url}/doctor/profile`);
      const url = new URL(page.url());
      assert.equal(url.pathname, "/doctor/login");
      assert.equal(url.searchParams.get("next"), "/doctor/profile");
      await loginInBrowser(page, api, doctor.phone);
      assert.equal(new URL(page.url()).pathname, "/doctor/profile");
    } finally {
      await browser?.close();
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "doctor UI: a deactivated doctor's day and week show a banner (axe-checked) until reactivated",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: { RATE_LIMIT_DISABLED: "true" } });
    let browser: Browser | null = null;
    try {
      const api = new Api(server.url);
      const admin = await api.loginAdmin();
      const doctor = await createDoctor(api, admin);
      const booked = await book(
        api,
        randomPhone(),
        doctor.id,
        (await firstSlots(api, doctor.id))[0].start,
      );
      const off = await api.request("POST", `/v1/admin/doctors/${doctor.id}/deactivate`, {
        token: admin.accessToken,
      });
      assert.equal(off.status, 200, JSON.stringify(off.body));
      browser = await launchBrowser();
      const page = await browser.newPage({ viewport: { width: 360, height: 780 } });
      const csp = watchCsp(page);
      await page.goto(`${server.url}/doctor/login`);
      await loginInBrowser(page, api, doctor.phone);
      assert.equal(new URL(page.url()).pathname, "/doctor");

      const day = localDate(booked.appointment.start);
      await page.goto(`${server.url}/doctor?date=${day}`);
      const banner = page.getByRole("status").filter({ hasText: "deactivated" });
      assert.equal(await banner.count(), 1, "one banner, as a status region");
      assert.equal(
        await page.getByRole("heading", { name: "Your account is deactivated" }).count(),
        1,
      );
      const text = await banner.textContent() ?? "";
      assert.match(text, /not taking new bookings/);
      assert.match(text, /existing appointments stand/);
      assert.equal(
        await page.locator(`a[href="/doctor/appointments/${booked.appointment.id}"]`).count(),
        1,
        "the existing appointment is still on the day",
      );
      await assertAccessible(page, "day (deactivated)");
      await screenshot(page, "agenda-deactivated-360");
      await page.goto(`${server.url}/doctor/week?start=${day}`);
      assert.equal(await page.getByRole("status").filter({ hasText: "deactivated" }).count(), 1);
      await assertAccessible(page, "week (deactivated)");
      await page.click('a[lang="hi"]');
      await page.waitForURL(/\/doctor\/week/);
      assert.match(await page.textContent("#inactive-title") ?? "", /आपका खाता निष्क्रिय है/);
      await assertAccessible(page, "week (deactivated, hi)");
      await page.click('a[lang="en"]');

      const on = await api.request("POST", `/v1/admin/doctors/${doctor.id}/reactivate`, {
        token: admin.accessToken,
      });
      assert.equal(on.status, 200);
      await page.goto(`${server.url}/doctor?date=${day}`);
      assert.equal(await page.locator("#inactive-title").count(), 0, "gone once reactivated");
      assert.deepEqual(csp, []);
    } finally {
      await browser?.close();
      await server.stop();
    }
  },
});
