/**
 * The patient booking pages (/book) in headless Chromium against the real server process: the
 * whole journey in English (symptoms → suggestion with the disclaimer, an emergency with its warning signs, filters → doctor → a
 * day's slots → phone login → hold → a wrong then the right SMS code → confirmed page → .ics →
 * my appointments → move → join video → cancel) and in Hindi (chosen with the language switch),
 * a lost race, an expired hold (HOLD_TTL_SECONDS is short here), a cancel inside the cut-off, a
 * cancel from a page the clinic changed behind (412, an accessible alert),
 * the embed framed by the configured clinic origin and refused to another origin, axe-core with zero violations on every page, no CSP violations, and screenshots at 360 px.
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { Api, createDoctor, dateInDays, randomPhone } from "../_harness/api.ts";
import { startServer } from "../_harness/server.ts";
import { assertAccessible, launchBrowser, screenshot, watchCsp } from "./_browser.ts";

const HOLD_TTL_SECONDS = 15;
/** Three days: a visit tomorrow is inside it, one in five days is not. */
const CUTOFF_MINUTES = 3 * 24 * 60;

async function newPatientPage(browser: Browser, locale: string) {
  const context = await browser.newContext({
    viewport: { width: 360, height: 780 },
    locale,
    timezoneId: "Asia/Kolkata",
  });
  const page = await context.newPage();
  return { context, page, csp: watchCsp(page) };
}

/** Clicks and waits for the document the click navigates to. */
async function clickAndLoad(page: Page, selector: string) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

/** From a doctor's day page: taps the first free time, logs in by SMS code, lands on the hold. */
async function holdFirstSlot(page: Page, api: Api, phone: string | null) {
  await clickAndLoad(page, 'main form[method="post"] .slots button');
  if (phone) {
    await page.fill('input[name="phone"]', phone);
    await clickAndLoad(page, "main form button[type=submit]");
    await page.fill('input[name="code"]', await api.latestCode(phone));
    await clickAndLoad(page, "main form button[type=submit]");
  }
  assert.match(new URL(page.url()).pathname, /^\/book\/(login\/verify|hold)$/);
  await page.waitForSelector('form[action^="/book/holds/"]');
}

async function confirmWith(page: Page, code: string) {
  await page.fill('input[name="code"]', code);
  await clickAndLoad(page, 'form[action^="/book/holds/"] button[type=submit]');
}

Deno.test({
  name: "book pages in Chromium: journeys in English and Hindi, races, expiry, cut-off, axe",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    // A clinic's own site: one page that frames whatever /book URL it is given.
    const clinic = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
      const src = new URL(req.url).searchParams.get("src") ?? "";
      const html = `<!DOCTYPE html><title>Clinic</title><iframe src="${encodeURI(src)}" ` +
        `title="Book" width="360" height="600"></iframe>`;
      return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
    });
    const clinicPort = clinic.addr.port;
    const server = await startServer({
      env: {
        RATE_LIMIT_DISABLED: "true",
        HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS),
        CANCEL_CUTOFF_MINUTES: String(CUTOFF_MINUTES),
        // localhost:PORT may frame /book/embed; 127.0.0.1:PORT (another origin) may not.
        BOOK_EMBED_ORIGINS: `http://localhost:${clinicPort}`,
      },
    });
    let browser: Browser | null = null;
    const contexts: BrowserContext[] = [];
    try {
      const api = new Api(server.url);
      const admin = await api.loginAdmin();
      const doctor = await createDoctor(api, admin, { city: "Pune" }, {
        start: "00:00",
        end: "23:30",
      });
      browser = await launchBrowser();
      const en = await newPatientPage(browser, "en-IN");
      contexts.push(en.context);
      const phone = randomPhone();
      let appointmentPath = "";

      await t.step("English: symptoms give suggestions with the guidance line", async () => {
        await en.page.goto(`${server.url}/book`);
        assert.equal(await en.page.getAttribute("html", "lang"), "en");
        await assertAccessible(en.page, "start");
        await screenshot(en.page, "book-home-en-360");
        await en.page.fill("#f-symptoms", "acidity and heartburn after meals");
        await clickAndLoad(en.page, 'form[action="/book/suggest"] button');
        assert.match(
          await en.page.textContent("#disclaimer") ?? "",
          /guidance to find the right kind of doctor, not a diagnosis/,
        );
        await assertAccessible(en.page, "suggestions");
      });

      await t.step(
        "English: an emergency shows the call-112 advice and its warning signs",
        async () => {
          await en.page.fill(
            "#f-symptoms",
            "my father's face is drooping and his speech is slurred",
          );
          await clickAndLoad(en.page, 'form[action="/book/suggest"] button');
          assert.match(await en.page.textContent("#triage") ?? "", /Call 112 now/);
          assert.equal(await en.page.getAttribute("#triage-flags li", "data-flag"), "stroke");
          await assertAccessible(en.page, "emergency");
        },
      );

      await t.step("English: filters → doctor → a chosen day's free times", async () => {
        await en.page.selectOption("#f-spec", "Kayachikitsa");
        await en.page.fill("#f-city", "Pune");
        await clickAndLoad(en.page, 'form[action="/book/doctors"] button');
        await assertAccessible(en.page, "doctors");
        await clickAndLoad(en.page, `a[href="/book/doctors/${doctor.id}"]`);
        await en.page.fill("#f-date", dateInDays(5));
        await clickAndLoad(en.page, ".dayform button");
        assert.match(await en.page.textContent("main") ?? "", /Times in Asia\/Kolkata/);
        assert.ok((await en.page.$$(".slots button")).length > 0, "free times listed");
        await assertAccessible(en.page, "slots");
        await screenshot(en.page, "book-slots-en-360");
      });

      await t.step("English: phone login, hold, a wrong code, then the right one", async () => {
        await holdFirstSlot(en.page, api, phone);
        await assertAccessible(en.page, "hold");
        await confirmWith(en.page, "000000");
        assert.match(await en.page.textContent("main") ?? "", /That code is not right/);
        await assertAccessible(en.page, "wrong code");
        await confirmWith(en.page, await api.latestCode(phone));
        assert.match(await en.page.textContent("main") ?? "", /Booked! See you on/);
        assert.match(await en.page.textContent("main") ?? "", /You can cancel or move it until/);
        appointmentPath = new URL(en.page.url()).pathname;
        await assertAccessible(en.page, "confirmed");
        await screenshot(en.page, "book-confirmed-en-360");
        const ics = await en.page.request.get(`${server.url}${appointmentPath}.ics`);
        assert.equal(ics.headers()["content-type"], "text/calendar; charset=utf-8");
        assert.match(await ics.text(), /BEGIN:VEVENT[\s\S]*DTSTART:\d{8}T\d{6}Z/);
      });

      await t.step("English: my appointments, move to another day, join the video", async () => {
        await en.page.goto(`${server.url}/book/appointments`);
        assert.ok(await en.page.$(`a[href="${appointmentPath}"]`), "listed");
        await assertAccessible(en.page, "my appointments");
        await clickAndLoad(en.page, `a[href="${appointmentPath}"]`);
        await clickAndLoad(en.page, `a[href^="${appointmentPath}/reschedule?version="]`);
        await en.page.fill("#f-date", dateInDays(6));
        await clickAndLoad(en.page, ".dayform button");
        const newStart = await en.page.getAttribute(
          'main form[method="post"] .slots button',
          "value",
        );
        await clickAndLoad(en.page, 'main form[method="post"] .slots button');
        assert.match(await en.page.textContent("main") ?? "", /Moved to/);
        assert.equal(await en.page.getAttribute("main time", "datetime"), newStart);
        await clickAndLoad(en.page, `a[href="${appointmentPath}/video"]`);
        assert.equal(new URL(en.page.url()).pathname, `/room/${appointmentPath.split("/")[3]}`);
      });

      await t.step("English: cancel outside the cut-off frees the time", async () => {
        await en.page.goto(`${server.url}${appointmentPath}`);
        await clickAndLoad(en.page, `form[action="${appointmentPath}/cancel"] button`);
        assert.match(await en.page.textContent("main") ?? "", /Your appointment is cancelled/);
      });

      await t.step("a lost race shows a friendly message and the next free times", async () => {
        await en.page.goto(`${server.url}/book/doctors/${doctor.id}?date=${dateInDays(7)}`);
        const wanted = await en.page.getAttribute(
          'main form[method="post"] .slots button',
          "value",
        );
        assert.ok(wanted);
        const rival = await api.login(randomPhone());
        const held = await api.request("POST", "/v1/holds", {
          token: rival.accessToken,
          body: { doctorId: doctor.id, start: wanted },
        });
        assert.equal(held.status, 201);
        await clickAndLoad(en.page, 'main form[method="post"] .slots button');
        assert.match(await en.page.textContent("#taken") ?? "", /Someone booked that time/);
        const offered = await en.page.$$eval(
          'main form[method="post"] .slots button',
          (els) => els.map((e) => e.getAttribute("value")),
        );
        assert.ok(offered.length > 0 && !offered.includes(wanted), "other free times offered");
        await assertAccessible(en.page, "lost race");
      });

      await t.step("a cancel inside the cut-off is refused with its reason", async () => {
        await en.page.goto(`${server.url}/book/doctors/${doctor.id}?date=${dateInDays(1)}`);
        await holdFirstSlot(en.page, api, null);
        await confirmWith(en.page, await api.latestCode(phone));
        const path = new URL(en.page.url()).pathname;
        assert.match(await en.page.textContent("main") ?? "", /Changes were possible until/);
        await clickAndLoad(en.page, `form[action="${path}/cancel"] button`);
        assert.match(
          await en.page.textContent("main") ?? "",
          /We could not cancel: changes are possible only until 72 hours before the start/,
        );
        assert.match(await en.page.textContent(".badge") ?? "", /Confirmed/);
        await assertAccessible(en.page, "cancel refused");

        // Meanwhile the clinic changes it (the doctor adds a note): the page still offers the
        // cancel, which now changes nothing and shows the visit as it is. (A visit the clinic
        // cancelled meanwhile answers as cancelled: that change is already made.)
        const asDoctor = await api.login(doctor.phone);
        const noted = await api.request("PATCH", `/v1/appointments/${path.split("/")[3]}`, {
          token: asDoctor.accessToken,
          body: { notes: "Bring earlier reports" },
        });
        assert.equal(noted.status, 200, JSON.stringify(noted.body));
        const [answer] = await Promise.all([
          en.page.waitForResponse((r) => r.request().method() === "POST"),
          en.page.click(`form[action="${path}/cancel"] button`),
        ]);
        assert.equal(answer.status(), 412);
        await en.page.waitForSelector('.notice.error[role="alert"]');
        assert.match(
          await en.page.textContent('.notice.error[role="alert"]') ?? "",
          /Nothing was changed: this appointment was changed elsewhere/,
        );
        assert.match(await en.page.textContent(".badge") ?? "", /Confirmed/);
        assert.doesNotMatch(await en.page.textContent("main") ?? "", /Bring earlier reports/);
        await assertAccessible(en.page, "changed elsewhere");
      });

      await t.step("an expired hold says so and leads back to the times", async () => {
        await en.page.goto(`${server.url}/book/doctors/${doctor.id}?date=${dateInDays(8)}`);
        await holdFirstSlot(en.page, api, null);
        const code = await api.latestCode(phone);
        await new Promise((r) => setTimeout(r, (HOLD_TTL_SECONDS + 1) * 1000));
        await confirmWith(en.page, code);
        assert.match(await en.page.textContent("h1") ?? "", /Your held time has run out/);
        assert.ok(await en.page.$(`a[href^="/book/doctors/${doctor.id}?date="]`), "way back");
        await assertAccessible(en.page, "expired hold");
      });

      await t.step("Hindi: the switch, then the whole journey in Hindi", async () => {
        const hi = await newPatientPage(browser!, "en-IN");
        contexts.push(hi.context);
        await hi.page.goto(`${server.url}/book`);
        await clickAndLoad(hi.page, ".langs a");
        await assertAccessible(hi.page, "language chooser");
        await clickAndLoad(hi.page, 'a[lang="hi"]');
        assert.equal(await hi.page.getAttribute("html", "lang"), "hi");
        const cookie = (await hi.context.cookies()).find((c) => c.name === "vaidya_lang");
        assert.equal(cookie?.value, "hi");
        await screenshot(hi.page, "book-home-hi-360");
        await assertAccessible(hi.page, "start (hi)");
        await hi.page.goto(`${server.url}/book/doctors/${doctor.id}?date=${dateInDays(9)}`);
        assert.match(await hi.page.textContent("main") ?? "", /के खाली समय/);
        await screenshot(hi.page, "book-slots-hi-360");
        const hiPhone = randomPhone();
        await holdFirstSlot(hi.page, api, hiPhone);
        assert.match(await hi.page.textContent("h1") ?? "", /अपनी बुकिंग पक्की करें/);
        await confirmWith(hi.page, "111111");
        assert.match(await hi.page.textContent("main") ?? "", /यह कोड सही नहीं है/);
        await confirmWith(hi.page, await api.latestCode(hiPhone));
        assert.match(await hi.page.textContent("main") ?? "", /बुक हो गया!/);
        await assertAccessible(hi.page, "confirmed (hi)");
        await screenshot(hi.page, "book-confirmed-hi-360");
        assert.deepEqual(hi.csp, [], "no CSP violations (hi)");
      });

      await t.step("Tamil start page for the screenshots", async () => {
        const ta = await newPatientPage(browser!, "ta-IN");
        contexts.push(ta.context);
        await ta.page.goto(`${server.url}/book`);
        assert.equal(await ta.page.getAttribute("html", "lang"), "ta");
        await assertAccessible(ta.page, "start (ta)");
        await screenshot(ta.page, "book-home-ta-360");
      });

      await t.step("the embed shows in the listed clinic's site and nowhere else", async () => {
        const embed = `${server.url}/book/embed?doctor=${doctor.id}&date=${dateInDays(10)}`;
        const site = await newPatientPage(browser!, "en-IN");
        contexts.push(site.context);
        await site.page.goto(`http://localhost:${clinicPort}/?src=${encodeURIComponent(embed)}`);
        const framed = site.page.frameLocator("iframe");
        await framed.locator(".slots button").first().waitFor();
        assert.equal(await framed.locator('form[target="_blank"]').count() > 0, true);
        await site.page.goto(`http://127.0.0.1:${clinicPort}/?src=${encodeURIComponent(embed)}`);
        await site.page.waitForLoadState("load");
        const frame = site.page.frames().find((f) => f !== site.page.mainFrame());
        assert.ok(frame, "the iframe exists");
        assert.equal(await frame.locator(".slots button").count(), 0, "refused to frame");
        assert.ok(
          site.csp.some((m) => /frame-ancestors/.test(m)),
          `the browser names frame-ancestors: ${site.csp.join(" | ")}`,
        );
      });

      assert.deepEqual(en.csp, [], "no CSP violations");
    } catch (err) {
      console.error(server.logs().slice(-4000));
      throw err;
    } finally {
      for (const c of contexts) await c.close().catch(() => {});
      await browser?.close();
      await server.stop();
      await clinic.shutdown();
    }
  },
});
