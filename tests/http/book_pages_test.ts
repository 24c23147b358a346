/**
 * The patient booking pages (/book) in-process, on the real bootstrap with `:memory:` KV: the
 * language from Accept-Language and from the switch (cookie), CSRF refusals, the whole journey
 * through login, hold, a wrong and a right SMS code, the confirmed page, its .ics, a cancel, the
 * lost race with the next free times, the cut-off refusal, embed framing by config, and the
 * 30 KB page budget.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config/config.ts";
import { startApp } from "../_harness/app.ts";
import { createDoctor, dateInDays, randomPhone } from "../_harness/api.ts";
import { book } from "../_harness/book.ts";
import type { AppDeps } from "../../src/app_deps.ts";
import { BOOK_LANGUAGES, bt } from "../../src/i18n/book_messages.ts";

const HTML_BUDGET = 30 * 1024;
const TZ = "Asia/Kolkata";

/** The real app in-process; `request` takes a path like Hono's `app.request`. */
async function buildApp(env: Record<string, string> = {}) {
  const inProcess = await startApp({ RATE_LIMIT_DISABLED: "true", ...env });
  const app = {
    request: (path: string, init?: RequestInit) =>
      inProcess.fetch(new Request(`http://vaidya.test${path}`, init)),
  };
  return { app, runtime: inProcess.runtime, deps: inProcess.runtime.deps };
}

/** A browser's cookie jar over app.request(): keeps Set-Cookie values, sends them back. */
class Browser {
  readonly cookies = new Map<string, string>();
  constructor(
    readonly app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
    readonly headers: Record<string, string> = {},
  ) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await this.app.request(path, {
      ...init,
      headers: { ...this.headers, ...(cookie ? { cookie } : {}), ...(init.headers ?? {}) },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [name, value] = pair.split("=");
      if (/max-age=0/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  async page(path: string): Promise<{ res: Response; html: string }> {
    const res = await this.fetch(path);
    return { res, html: await res.text() };
  }

  async post(path: string, fields: Record<string, string>) {
    const res = await this.fetch(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
    return { res, html: await res.text() };
  }
}

function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  assert.ok(m, "page has a CSRF field");
  return m[1];
}

function slotStarts(html: string): string[] {
  return [...html.matchAll(/name="start" value="([^"]+)"/g)].map((m) => m[1]);
}

function within(html: string, label: string) {
  assert.ok(
    new TextEncoder().encode(html).length < HTML_BUDGET,
    `${label} is ${html.length} chars, over the 30 KB budget`,
  );
}

async function makeDoctor(deps: Awaited<ReturnType<typeof buildApp>>["deps"]) {
  const d = await deps.doctors.create({
    name: "Dr. Asha Kulkarni",
    phone: randomPhone(),
    specializations: ["Kayachikitsa"],
    languages: ["en", "hi"],
    city: "Pune",
    timezone: TZ,
    slotMinutes: 30,
    fee: 500,
  });
  const days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
  await deps.doctors.setAvailability(d.id, {
    weekly: days.map((day) => ({ day, start: "00:00", end: "23:30" })),
    overrides: [],
    minNoticeMinutes: 0,
    horizonDays: 30,
  });
  return d;
}

function dayInDays(n: number): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: TZ }).format(Date.now() + n * 86_400_000);
}

async function latestCode(
  deps: { outbox: AppDeps["outbox"] },
  phone: string,
) {
  const messages = await deps.outbox!(phone);
  const withCode = messages.find((m) => m.code);
  assert.ok(withCode, `a code was sent to ${phone}`);
  return withCode.code!;
}

/** Logs a new patient in through the pages, holding `start` on the way; returns the hold page. */
/** A patient logs in, holds the doctor's first slot in 3 days and confirms it, all through the pages. */
async function bookFirstSlot(
  b: Browser,
  deps: Awaited<ReturnType<typeof buildApp>>["deps"],
  doctorId: string,
) {
  const first = await loginAndHold(
    b,
    deps,
    doctorId,
    slotStarts((await b.page(`/book/doctors/${doctorId}?date=${dayInDays(3)}`)).html)[0],
  );
  const holdId = /\/book\/holds\/(hld_[0-9a-z]+)\/confirm/.exec(first.html)![1];
  const done = await b.post(`/book/holds/${holdId}/confirm`, {
    _csrf: csrfOf(first.html),
    doctorId,
    start: /name="start" value="([^"]+)"/.exec(first.html)![1],
    expiresAt: /name="expiresAt" value="([^"]+)"/.exec(first.html)![1],
    code: await latestCode(deps, first.phone),
  });
  return { first, id: done.res.headers.get("location")!.split("/")[3].split("?")[0] };
}

async function loginAndHold(
  b: Browser,
  deps: Awaited<ReturnType<typeof buildApp>>["deps"],
  doctorId: string,
  start: string,
  phone = randomPhone(),
) {
  const slotsPage = await b.page(`/book/doctors/${doctorId}?date=${dayInDays(3)}`);
  const login = await b.post("/book/hold", { _csrf: csrfOf(slotsPage.html), doctorId, start });
  assert.equal(login.res.status, 200);
  assert.match(login.html, /name="phone"/);
  assert.match(login.html, new RegExp(`name="start" value="${start}"`));
  const codeStep = await b.post("/book/login", {
    _csrf: csrfOf(login.html),
    phone,
    doctorId,
    start,
    next: `/book/doctors/${doctorId}`,
  });
  assert.equal(codeStep.res.status, 200, codeStep.html);
  assert.match(codeStep.html, /name="code"/);
  const hold = await b.post("/book/login/verify", {
    _csrf: csrfOf(codeStep.html),
    phone,
    code: await latestCode(deps, phone),
    doctorId,
    start,
    next: `/book/doctors/${doctorId}`,
  });
  return { ...hold, phone };
}

Deno.test("book pages: language from Accept-Language, the switch and its cookie", async () => {
  const { app, runtime } = await buildApp();
  try {
    const tamil = new Browser(app, { "accept-language": "ta-IN,ta;q=0.9,en;q=0.5" });
    const home = await tamil.page("/book");
    assert.equal(home.res.status, 200);
    assert.match(home.html, /<html lang="ta">/);
    assert.match(home.html, /ஆயுர்வேத ஆலோசனையை/);
    assert.match(home.html, /இது வழிகாட்டுதல்|மருத்துவர்களைப் பரிந்துரை/);
    within(home.html, "/book");
    const csp = home.res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /script-src 'self';/);
    assert.equal(home.res.headers.get("x-frame-options"), "DENY");
    assert.match(home.html, /href="\/book\/lang\?next=%2Fbook">மொழி: தமிழ்</);
    const chooser = await tamil.page("/book/lang?next=/book/doctors");
    assert.equal(BOOK_LANGUAGES.length, 11);
    for (const lang of BOOK_LANGUAGES) {
      assert.match(chooser.html, new RegExp(`href="/book/lang/${lang}\\?next=%2Fbook%2Fdoctors"`));
    }
    for (const name of ["ગુજરાતી", "ਪੰਜਾਬੀ", "ଓଡ଼ିଆ"]) assert.ok(chooser.html.includes(name), name);
    within(chooser.html, "language chooser");

    const switched = await tamil.fetch("/book/lang/bn?next=/book/doctors");
    assert.equal(switched.status, 303);
    assert.equal(switched.headers.get("location"), "/book/doctors");
    assert.match(switched.headers.getSetCookie().join("\n"), /vaidya_lang=bn;.*Path=\/book/);
    const bengali = await tamil.page("/book");
    assert.match(bengali.html, /<html lang="bn">/);
    assert.match(bengali.html, /আয়ুর্বেদিক পরামর্শ/);

    const offsite = await tamil.fetch("/book/lang/hi?next=https://evil.example/");
    assert.equal(offsite.headers.get("location"), "/book");
    const unknown = await new Browser(app, { "accept-language": "fr" }).page("/book");
    assert.match(unknown.html, /<html lang="en">/);
  } finally {
    await runtime.close();
  }
});

Deno.test("book pages: described symptoms show triage advice and its warning signs first, and the service's disclaimer", async () => {
  const { app, runtime } = await buildApp();
  try {
    const b = new Browser(app, { "accept-language": "hi" });
    const home = await b.page("/book");
    const disclaimer = "यह सही डॉक्टर चुनने के लिए मार्गदर्शन है, निदान नहीं।";
    const emergency = await b.post("/book/suggest", {
      _csrf: csrfOf(home.html),
      symptoms: "chest pain with sweating and pain in the left arm",
    });
    assert.equal(emergency.res.status, 200);
    assert.match(emergency.html, /id="triage"[^>]*>\s*<p>[^<]*112/);
    assert.match(
      emergency.html,
      /<ul id="triage-flags"><li data-flag="chest_pain">सीने में दर्द या दबाव[^<]*<\/li><\/ul>/,
    );
    assert.match(emergency.html, new RegExp(`id="disclaimer">${disclaimer}<`));
    assert.doesNotMatch(emergency.html, /आपके शब्दों से कोई डॉक्टर नहीं मिला/);
    const urgent = await b.post("/book/suggest", {
      _csrf: csrfOf(home.html),
      symptoms: "चार दिन से बुखार है, उतर ही नहीं रहा",
    });
    assert.match(urgent.html, /class="notice warn" role="alert" id="triage">\s*<p>[^<]*आज ही/);
    assert.match(urgent.html, /<li data-flag="persistent_fever">कई दिनों से बुखार<\/li>/);
    const routine = await b.post("/book/suggest", {
      _csrf: csrfOf(home.html),
      symptoms: "acidity after meals",
    });
    assert.doesNotMatch(routine.html, /id="triage"/);
    assert.doesNotMatch(routine.html, /triage-flags/);
    assert.match(routine.html, new RegExp(`id="disclaimer">${disclaimer}<`));
    const english = new Browser(app, { "accept-language": "en" });
    const plain = await english.post("/book/suggest", {
      _csrf: csrfOf((await english.page("/book")).html),
      symptoms: "my baby is 3 months old and has a very high fever",
    });
    assert.match(plain.html, /<li data-flag="infant_fever">high fever in an infant<\/li>/);
    assert.match(plain.html, /id="disclaimer">This is guidance to find the right kind of doctor/);
    const empty = await b.post("/book/suggest", { _csrf: csrfOf(home.html), symptoms: " " });
    assert.equal(empty.res.status, 400);
    assert.match(empty.html, /aria-invalid="true"/);
  } finally {
    await runtime.close();
  }
});

Deno.test("book pages: a new patient's messages follow the page's language and zone", async () => {
  const { app, runtime, deps } = await buildApp();
  try {
    const doctor = await makeDoctor(deps);
    const b = new Browser(app, { "accept-language": "mr-IN,mr;q=0.9" });
    const start =
      slotStarts((await b.page(`/book/doctors/${doctor.id}?date=${dayInDays(3)}`)).html)[0];
    const held = await loginAndHold(b, deps, doctor.id, start);
    assert.equal(held.res.status, 200);
    assert.match(held.html, /<html lang="mr">/);
    const to = await deps.identity.codeRecipient(held.phone, "en");
    assert.equal(to.language, "mr", "the profile took the page's language");
    // A patient who set a profile keeps it: the same phone on an English page changes nothing.
    const en = new Browser(app, { "accept-language": "en" });
    await loginAndHold(
      en,
      deps,
      doctor.id,
      slotStarts((await en.page(`/book/doctors/${doctor.id}?date=${dayInDays(4)}`)).html)[0],
      held.phone,
    );
    assert.equal((await deps.identity.codeRecipient(held.phone, "en")).language, "mr");
  } finally {
    await runtime.close();
  }
});

Deno.test("book pages: a Punjabi reader gets Gurmukhi pages, dates and times, and the hold code in Punjabi", async () => {
  const { app, runtime, deps } = await buildApp();
  try {
    const doctor = await makeDoctor(deps);
    const b = new Browser(app, { "accept-language": "pa-IN,pa;q=0.9,en;q=0.5" });
    const home = await b.page("/book");
    assert.match(home.html, /<html lang="pa">/);
    assert.match(home.html, /ਆਯੁਰਵੈਦਿਕ ਸਲਾਹ-ਮਸ਼ਵਰਾ ਬੁੱਕ ਕਰੋ/);
    assert.match(home.html, />ਭਾਸ਼ਾ: ਪੰਜਾਬੀ</);
    const date = dayInDays(3);
    const slots = await b.page(`/book/doctors/${doctor.id}?date=${date}`);
    assert.equal(slots.res.status, 200);
    // The runtime has no Punjabi date names (it would print "M12 1, Tue"): ours are put in.
    const heading = /<h2>([^<]*) ਦੇ ਖਾਲੀ ਸਮੇਂ<\/h2>/.exec(slots.html);
    assert.ok(heading, "the day's heading is in Punjabi");
    assert.match(heading[1], /^(ਐਤ|ਸੋਮ|ਮੰਗਲ|ਬੁੱਧ|ਵੀਰ|ਸ਼ੁੱਕਰ|ਸ਼ਨਿੱਚਰ), \d{1,2} \p{Script=Gurmukhi}/u);
    assert.doesNotMatch(slots.html, /\bM\d{1,2}\b/);
    assert.match(slots.html, /\d{1,2}:\d{2} (ਪੂ\.ਦੁ\.|ਬਾ\.ਦੁ\.)/, "free times with Punjabi am/pm");
    within(slots.html, "/book slots in Punjabi");

    const start = slotStarts(slots.html)[0];
    const held = await loginAndHold(b, deps, doctor.id, start);
    assert.equal(held.res.status, 200);
    assert.match(held.html, /ਆਪਣੀ ਬੁਕਿੰਗ ਪੱਕੀ ਕਰੋ/);
    assert.equal((await deps.identity.codeRecipient(held.phone, "en")).language, "pa");
    const sent = await deps.outbox!(held.phone);
    const login = sent.find((m) => m.body.includes("ਲੌਗਇਨ ਕੋਡ"));
    assert.ok(login, `the login code went out in Punjabi: ${sent.map((m) => m.body).join(" | ")}`);
    const hold = sent.find((m) => m.body.includes("ਸਲਾਹ-ਮਸ਼ਵਰਾ ਪੱਕਾ ਕਰਨ ਲਈ ਕੋਡ"));
    assert.ok(hold, "the hold code went out in Punjabi");
    assert.match(hold.body, /^Vaidya: Dr\. Asha Kulkarni ਨਾਲ \p{Script=Gurmukhi}+, \d/u);
    assert.ok(hold.body.length <= 201, hold.body);
  } finally {
    await runtime.close();
  }
});

Deno.test("book pages: a POST without the form's CSRF token is refused and changes nothing", async () => {
  const { app, runtime, deps } = await buildApp();
  try {
    const doctor = await makeDoctor(deps);
    const b = new Browser(app);
    const page = await b.page(`/book/doctors/${doctor.id}?date=${dayInDays(3)}`);
    const start = slotStarts(page.html)[0];
    const forged = await b.post("/book/hold", {
      _csrf: "x".repeat(32),
      doctorId: doctor.id,
      start,
    });
    assert.equal(forged.res.status, 403);
    const other = new Browser(app);
    const stolen = await other.post("/book/hold", {
      _csrf: csrfOf(page.html),
      doctorId: doctor.id,
      start,
    });
    assert.equal(stolen.res.status, 403, "a token without its cookie is refused");
    const again = await b.page(`/book/doctors/${doctor.id}?date=${dayInDays(3)}`);
    assert.ok(slotStarts(again.html).includes(start), "the slot is still free");
  } finally {
    await runtime.close();
  }
});

Deno.test("book pages: the journey from a slot to a confirmed, calendared, cancelled visit", async () => {
  const { app, runtime, deps } = await buildApp({ CANCEL_CUTOFF_MINUTES: "60" });
  try {
    const doctor = await makeDoctor(deps);
    const b = new Browser(app, { "accept-language": "en" });
    const list = await b.page("/book/doctors?specialization=Kayachikitsa&city=Pune");
    assert.match(list.html, new RegExp(`href="/book/doctors/${doctor.id}"`));
    within(list.html, "doctors");
    const slots = await b.page(`/book/doctors/${doctor.id}?date=${dayInDays(3)}`);
    within(slots.html, "slots");
    const start = slotStarts(slots.html)[3];
    assert.ok(start);

    const hold = await loginAndHold(b, deps, doctor.id, start);
    assert.equal(hold.res.status, 200, hold.html);
    within(hold.html, "hold");
    const session = [...b.cookies.keys()];
    assert.ok(session.includes("vaidya_book"), "a session cookie is set");
    const holdId = /action="\/book\/holds\/(hld_[0-9a-z]+)\/confirm"/.exec(hold.html)?.[1];
    assert.ok(holdId, "the hold page posts to its hold");
    const fields = {
      _csrf: csrfOf(hold.html),
      doctorId: doctor.id,
      start,
      expiresAt: /name="expiresAt" value="([^"]+)"/.exec(hold.html)![1],
      reason: "Acidity after meals",
      online: "1",
    };
    const wrong = await b.post(`/book/holds/${holdId}/confirm`, { ...fields, code: "000000" });
    assert.equal(wrong.res.status, 422);
    assert.match(wrong.html, /That code is not right/);
    assert.match(wrong.html, /aria-invalid="true"/);

    const code = await latestCode(deps, hold.phone);
    const done = await b.post(`/book/holds/${holdId}/confirm`, { ...fields, code });
    assert.equal(done.res.status, 303);
    const location = done.res.headers.get("location")!;
    assert.match(location, /^\/book\/appointments\/apt_[0-9a-z]{26}\?booked=1$/);
    const confirmed = await b.page(location);
    assert.match(confirmed.html, /Booked! See you on/);
    assert.match(confirmed.html, /You can cancel or move it until .*, 1 hours before the start/);
    assert.match(confirmed.html, /Join the video visit/);
    within(confirmed.html, "appointment");

    const id = location.split("/")[3].split("?")[0];
    const ics = await b.fetch(`/book/appointments/${id}.ics`);
    assert.equal(ics.headers.get("content-type"), "text/calendar; charset=utf-8");
    const cal = await ics.text();
    const dtstart = new Date(start).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    assert.match(cal, new RegExp(`DTSTART:${dtstart}\r\n`));
    assert.match(cal, /SUMMARY:Vaidya: Dr. Asha Kulkarni\r\n/);
    assert.doesNotMatch(cal, /Acidity/, "no medical text in the calendar file");

    const mine = await b.page("/book/appointments");
    assert.match(mine.html, new RegExp(`href="/book/appointments/${id}"`));

    const stranger = new Browser(app);
    const foreign = await stranger.fetch(`/book/appointments/${id}`);
    assert.equal(foreign.status, 303, "no session: to login");
    assert.match(foreign.headers.get("location")!, /^\/book\/login\?next=/);

    const cancel = await b.post(`/book/appointments/${id}/cancel`, {
      _csrf: csrfOf(confirmed.html),
    });
    assert.equal(cancel.res.status, 303);
    const after = await b.page(cancel.res.headers.get("location")!);
    assert.match(after.html, /Your appointment is cancelled/);
    const free = await b.page(`/book/doctors/${doctor.id}?date=${dayInDays(3)}`);
    assert.ok(slotStarts(free.html).includes(start), "the time is free again");
  } finally {
    await runtime.close();
  }
});

Deno.test("book pages: a lost race shows the next free times; a cancel inside the cut-off is refused", async () => {
  const { app, runtime, deps } = await buildApp({ CANCEL_CUTOFF_MINUTES: String(5 * 24 * 60) });
  try {
    const doctor = await makeDoctor(deps);
    const b = new Browser(app);
    const first = await loginAndHold(
      b,
      deps,
      doctor.id,
      slotStarts((await b.page(`/book/doctors/${doctor.id}?date=${dayInDays(3)}`)).html)[0],
    );
    const holdId = /\/book\/holds\/(hld_[0-9a-z]+)\/confirm/.exec(first.html)![1];
    const expiresAt = /name="expiresAt" value="([^"]+)"/.exec(first.html)![1];
    const start = /name="start" value="([^"]+)"/.exec(first.html)![1];
    const done = await b.post(`/book/holds/${holdId}/confirm`, {
      _csrf: csrfOf(first.html),
      doctorId: doctor.id,
      start,
      expiresAt,
      code: await latestCode(deps, first.phone),
    });
    const id = done.res.headers.get("location")!.split("/")[3].split("?")[0];
    const page = await b.page(`/book/appointments/${id}`);
    assert.match(page.html, /Changes were possible until/);
    const refused = await b.post(`/book/appointments/${id}/cancel`, { _csrf: csrfOf(page.html) });
    assert.equal(refused.res.status, 409);
    assert.match(
      refused.html,
      /We could not cancel: changes are possible only until 120 hours before the start/,
    );
    assert.match(refused.html, /Confirmed/);

    // Someone else holds a time while this patient still looks at the day.
    const rivalPhone = randomPhone();
    const day = await b.page(`/book/doctors/${doctor.id}?date=${dayInDays(4)}`);
    const [wanted, ...others] = slotStarts(day.html);
    const rival = await app.request("/v1/auth/otp", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ phone: rivalPhone }),
    });
    assert.equal(rival.status, 202);
    const verified = await app.request("/v1/auth/verify", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ phone: rivalPhone, code: await latestCode(deps, rivalPhone) }),
    });
    const rivalUser = (await verified.json()).user;
    await deps.booking.holdSlot(rivalUser.id, doctor.id, wanted);
    const lost = await b.post("/book/hold", {
      _csrf: csrfOf(day.html),
      doctorId: doctor.id,
      start: wanted,
    });
    assert.equal(lost.res.status, 409);
    assert.match(lost.html, /Someone booked that time a moment ago/);
    const offered = slotStarts(lost.html);
    assert.ok(!offered.includes(wanted), "the taken time is not offered");
    assert.ok(offered.length > 0, "the next free times are offered");
    assert.ok(others.length > 0);
  } finally {
    await runtime.close();
  }
});

Deno.test("book pages: /book/embed may be framed only by the configured origins", async () => {
  assert.throws(
    () => loadConfig({ BOOK_EMBED_ORIGINS: "https://clinic.example/path" }),
    /BOOK_EMBED_ORIGINS: "https:\/\/clinic.example\/path" is not an origin/,
  );
  const { app, runtime, deps } = await buildApp({
    BOOK_EMBED_ORIGINS: "https://clinic.example, http://localhost:8080",
  });
  try {
    const doctor = await makeDoctor(deps);
    const b = new Browser(app);
    const embed = await b.page(`/book/embed?doctor=${doctor.id}&date=${dayInDays(3)}`);
    assert.equal(embed.res.status, 200);
    const csp = embed.res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /frame-ancestors https:\/\/clinic.example http:\/\/localhost:8080;/);
    assert.notEqual(embed.res.headers.get("x-frame-options"), "DENY");
    assert.match(embed.html, /target="_blank"/);
    assert.match(embed.html, /name="slot" value="/);
    within(embed.html, "embed");
    const other = await b.page(`/book/doctors/${doctor.id}`);
    assert.match(other.res.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
    const missing = await b.page("/book/embed?doctor=doc_00000000000000000000000000");
    assert.equal(missing.res.status, 404);
  } finally {
    await runtime.close();
  }
});

Deno.test("book pages: odd input answers a page or a 404, never a 500", async () => {
  const { app, runtime, deps } = await buildApp();
  try {
    const doctor = await makeDoctor(deps);
    const b = new Browser(app);
    const expect: [string, number][] = [
      ["/book/static/constructor", 404],
      ["/book/static/__proto__", 404],
      ["/book/static/book.css", 200],
      [`/book/doctors/${doctor.id}?date=2026-02-30`, 200],
      [`/book/doctors/${doctor.id}?date=9999-12-31`, 200],
      [`/book/doctors/${doctor.id}?date=0000-01-01&tz=Not/AZone`, 200],
      [`/book/doctors/${doctor.id}?date=2199-12-31&tz=Pacific/Kiritimati`, 200],
      [`/book/doctors/${doctor.id}?slot=9999-12-31T23:30:00Z`, 200],
      ["/book/doctors/constructor", 404],
      ["/book/embed?doctor=constructor", 404],
      ["/book/embed", 404],
      ["/book/lang/constructor", 303],
      ["/book/lang?next=javascript:alert(1)", 200],
      ["/book/doctors?specialization=" + "x".repeat(500), 200],
      ["/book/appointments/constructor", 303],
      ["/book/nothing/here", 404],
    ];
    for (const [path, status] of expect) {
      const res = await b.fetch(path);
      await res.body?.cancel();
      assert.equal(res.status, status, path);
    }
    // A day with free slots, so the page has its hold form (today has none after 23:00 in Kolkata).
    const page = await b.page(`/book/doctors/${doctor.id}?date=${dayInDays(3)}`);
    for (const start of ["9999-12-31T23:30:00Z", "2199-12-31T23:30:00Z", "not a time"]) {
      const res = await b.post("/book/hold", {
        _csrf: csrfOf(page.html),
        doctorId: doctor.id,
        start,
      });
      assert.ok(res.res.status < 500, `${start}: ${res.res.status}`);
    }
  } finally {
    await runtime.close();
  }
});

Deno.test("book pages: holds spend the API's per-patient budget; limits show as pages, not 500s", async () => {
  const { app, runtime, deps } = await buildApp({
    RATE_LIMIT_DISABLED: "false",
    HOLDS_PER_PATIENT_PER_HOUR: "2",
    MAX_ACTIVE_HOLDS_PER_PATIENT: "1",
  });
  try {
    const doctor = await makeDoctor(deps);
    const b = new Browser(app);
    const day = await b.page(`/book/doctors/${doctor.id}?date=${dayInDays(3)}`);
    const [first, second, third] = slotStarts(day.html);
    const held = await loginAndHold(b, deps, doctor.id, first);
    assert.equal(held.res.status, 200, "first hold (budget 1 of 2)");
    const csrf = csrfOf(held.html);
    const tooMany = await b.post("/book/hold", { _csrf: csrf, doctorId: doctor.id, start: second });
    assert.equal(tooMany.res.status, 409, "one active hold at a time (budget 2 of 2)");
    assert.match(
      tooMany.html,
      /already holding as many times for you as we can/,
      "the page says why, not only that something went wrong",
    );
    const spent = await b.post("/book/hold", { _csrf: csrf, doctorId: doctor.id, start: third });
    assert.equal(spent.res.status, 429);
    assert.match(spent.html, /Too many attempts\. Try again in \d+ seconds\./);
    assert.ok(Number(spent.res.headers.get("retry-after")) > 0);
  } finally {
    await runtime.close();
  }
});

Deno.test("book pages: a reason typed up to the field's maxlength is taken though the browser sends its line breaks as CRLF", async () => {
  const { app, runtime, deps } = await buildApp();
  try {
    const doctor = await makeDoctor(deps);
    const b = new Browser(app, { "accept-language": "en" });
    const slots = await b.page(`/book/doctors/${doctor.id}?date=${dayInDays(3)}`);
    const hold = await loginAndHold(b, deps, doctor.id, slotStarts(slots.html)[0]);
    // 100 lines of "abcd": 500 characters in the textarea (maxlength=500), 600 on the wire.
    const typed = "abcd\r\n".repeat(100);
    const holdId = /\/book\/holds\/(hld_[0-9a-z]+)\/confirm/.exec(hold.html)![1];
    const done = await b.post(`/book/holds/${holdId}/confirm`, {
      _csrf: csrfOf(hold.html),
      doctorId: doctor.id,
      start: /name="start" value="([^"]+)"/.exec(hold.html)![1],
      expiresAt: /name="expiresAt" value="([^"]+)"/.exec(hold.html)![1],
      code: await latestCode(deps, hold.phone),
      reason: typed,
    });
    assert.equal(done.res.status, 303, done.html);
    const id = done.res.headers.get("location")!.split("/")[3].split("?")[0];
    const stored = await deps.booking.getAppointment({ id: doctor.id, role: "doctor" }, id);
    assert.equal(stored.reason, "abcd\n".repeat(100).trim(), "kept with the browser's line breaks");

    const page = await b.page(`/book/appointments/${id}`);
    const cancel = await b.post(`/book/appointments/${id}/cancel`, {
      _csrf: csrfOf(page.html),
      reason: typed,
    });
    assert.equal(cancel.res.status, 303, cancel.html);
    const tooLong = await b.post(`/book/appointments/${id}/cancel`, {
      _csrf: csrfOf(page.html),
      reason: "x".repeat(501),
    });
    assert.ok(tooLong.res.status < 500, `a reason over 500 characters: ${tooLong.res.status}`);
  } finally {
    await runtime.close();
  }
});

Deno.test("book pages: a move inside the cut-off is refused before any time is held or code sent", async () => {
  const { app, runtime, deps } = await buildApp({ CANCEL_CUTOFF_MINUTES: String(5 * 24 * 60) });
  try {
    const doctor = await makeDoctor(deps);
    const b = new Browser(app);
    const { first, id } = await bookFirstSlot(b, deps, doctor.id);
    const move = await b.page(`/book/appointments/${id}/reschedule?date=${dayInDays(4)}`);
    const target = slotStarts(move.html)[0];
    assert.ok(target);
    const sentBefore = (await deps.outbox!(first.phone)).length;
    const refused = await b.post(`/book/appointments/${id}/reschedule`, {
      _csrf: csrfOf(move.html),
      start: target,
    });
    assert.equal(refused.res.status, 409);
    assert.match(refused.html, /changes are possible only until 120 hours before the start/);
    const all = await deps.outbox!(first.phone); // newest first
    const sent = all.slice(0, all.length - sentBefore);
    assert.deepEqual(sent.map((m) => m.body), [], "a code was sent for a move that cannot happen");
  } finally {
    await runtime.close();
  }
});

Deno.test("book pages: 'My appointments' shows the coming visits of a patient with a long history", async () => {
  let nowMs = Date.now();
  await using app = await startApp({ RATE_LIMIT_DISABLED: "true" }, () => nowMs);
  const { api } = app;
  const ALL_DAY = { start: "00:00", end: "24:00" };
  const doctor = await createDoctor(api, await api.loginAdmin(), {
    slotMinutes: 5,
    timezone: "UTC",
  }, ALL_DAY);
  const phone = randomPhone();
  const patient = await api.login(phone);
  const listed = await api.request<{ slots: { start: string; end: string }[] }>(
    "GET",
    `/v1/doctors/${doctor.id}/slots?from=${dateInDays(0, "UTC")}&to=${dateInDays(2, "UTC")}`,
  );
  const slots = listed.body.slots.filter((s) => Date.parse(s.start) > nowMs + 3_600_000)
    .slice(0, 55);
  const ids: string[] = [];
  for (const s of slots) ids.push((await book(api, patient, doctor.id, s.start)).appointment.id);
  // Time passes: all but the last two are history.
  nowMs = Date.parse(slots[52].end) + 60_000;

  const b = new Browser({
    request: (path, init) => app.fetch(new Request(`http://vaidya.test${path}`, init)),
  });
  const login = await b.page("/book/login?next=/book/appointments");
  await b.post("/book/login", { _csrf: csrfOf(login.html), phone, next: "/book/appointments" });
  const verified = await b.post("/book/login/verify", {
    _csrf: csrfOf(login.html),
    phone,
    code: await api.latestCode(phone),
    next: "/book/appointments",
  });
  assert.equal(verified.res.status, 303, verified.html);
  const mine = await b.page("/book/appointments");
  assert.equal(mine.res.status, 200);
  for (const id of ids.slice(53)) {
    assert.match(
      mine.html,
      new RegExp(`href="/book/appointments/${id}"`),
      "a coming visit is listed",
    );
  }
  assert.match(
    mine.html,
    new RegExp(`href="/book/appointments/${ids[52]}"`),
    "the latest past one",
  );
});

Deno.test("book pages: picking the time the patient already holds again shows that hold, not 'someone booked it'", async () => {
  const { app, runtime, deps } = await buildApp();
  try {
    const doctor = await makeDoctor(deps);
    const b = new Browser(app, { "accept-language": "en" });
    const day = await b.page(`/book/doctors/${doctor.id}?date=${dayInDays(3)}`);
    const start = slotStarts(day.html)[0];
    const held = await loginAndHold(b, deps, doctor.id, start);
    const holdId = /\/book\/holds\/(hld_[0-9a-z]+)\/confirm/.exec(held.html)![1];
    // The SMS is late; the patient goes back and picks the same time again.
    const back = await b.page(`/book/doctors/${doctor.id}?date=${dayInDays(3)}`);
    const again = await b.post("/book/hold", {
      _csrf: csrfOf(back.html),
      doctorId: doctor.id,
      start,
    });
    assert.equal(again.res.status, 200, again.html);
    assert.match(again.html, new RegExp(`/book/holds/${holdId}/confirm`), "the same hold");
    const done = await b.post(`/book/holds/${holdId}/confirm`, {
      _csrf: csrfOf(again.html),
      doctorId: doctor.id,
      start,
      expiresAt: /name="expiresAt" value="([^"]+)"/.exec(again.html)![1],
      code: await latestCode(deps, held.phone),
    });
    assert.equal(done.res.status, 303, done.html);
    // Another patient picking that time still hears it is taken.
    const other = new Browser(app, { "accept-language": "en" });
    const otherDay = await other.page(`/book/doctors/${doctor.id}?date=${dayInDays(3)}`);
    assert.ok(!slotStarts(otherDay.html).includes(start), "booked time no longer offered");
  } finally {
    await runtime.close();
  }
});

Deno.test("book pages: a visit with a deactivated doctor offers no move (the move page leads back to it) but still a cancel", async () => {
  const { app, runtime, deps } = await buildApp();
  try {
    const doctor = await makeDoctor(deps);
    const b = new Browser(app);
    const { id } = await bookFirstSlot(b, deps, doctor.id);
    const here = `/book/appointments/${id}`;
    assert.match((await b.page(here)).html, new RegExp(`href="${here}/reschedule\\?`), "active");

    await deps.doctors.setActive(doctor.id, false);
    const visit = await b.page(here);
    assert.equal(visit.res.status, 200);
    assert.doesNotMatch(visit.html, /\/reschedule[?"]/, "no move onto a deactivated doctor's time");
    assert.match(
      visit.html,
      new RegExp(`action="${here}/cancel"`),
      "the visit can still be cancelled",
    );
    const move = await b.fetch(`${here}/reschedule?date=${dayInDays(4)}`, { redirect: "manual" });
    await move.body?.cancel();
    assert.equal(move.status, 303, "the move page leads back to the visit, not to a 404");
    assert.equal(move.headers.get("location"), here);

    await deps.doctors.setActive(doctor.id, true);
    assert.match(
      (await b.page(here)).html,
      new RegExp(`href="${here}/reschedule\\?`),
      "reactivated",
    );
  } finally {
    await runtime.close();
  }
});

function versionOf(html: string): string {
  const m = /name="version" value="([1-9][0-9]*)"/.exec(html);
  assert.ok(m, "the form sends the version it rendered");
  return m[1];
}

function literally(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
}

Deno.test("book pages: a cancel or move from a page left open after the visit changed elsewhere changes nothing and shows it as it is now", async () => {
  const { app, runtime, deps } = await buildApp({ CANCEL_CUTOFF_MINUTES: "60" });
  try {
    const doctor = await makeDoctor(deps);
    const b = new Browser(app, { "accept-language": "ta" });
    const { first, id } = await bookFirstSlot(b, deps, doctor.id);
    const here = `/book/appointments/${id}`;
    const stale = await b.page(here);
    const shown = versionOf(stale.html);
    const moveLink = new RegExp(`href="(${here}/reschedule\\?version=${shown})"`).exec(stale.html);
    assert.ok(moveLink, "the move link carries the version the page shows");
    const staleMove = await b.page(`${moveLink[1]}&date=${dayInDays(4)}`);
    assert.equal(versionOf(staleMove.html), shown, "the move page sends the version shown");
    assert.match(
      staleMove.html,
      new RegExp(`reschedule\\?version=${shown}&amp;date=`),
      "day links keep it",
    );
    const target = slotStarts(staleMove.html)[0];

    // Another tab moves the visit meanwhile (its own page, its own version).
    const otherTab = await b.page(`${here}/reschedule?date=${dayInDays(5)}`);
    const movedTo = slotStarts(otherTab.html)[2];
    const moved = await b.post(`${here}/reschedule`, {
      _csrf: csrfOf(otherTab.html),
      start: movedTo,
      version: versionOf(otherTab.html),
    });
    assert.equal(moved.res.status, 303, moved.html);
    const sentBefore = (await deps.outbox!(first.phone)).length;

    const notice = literally(`role="alert">${bt("ta", "appt.changedElsewhere")}</p>`);
    const cancel = await b.post(`${here}/cancel`, {
      _csrf: csrfOf(stale.html),
      version: shown,
      reason: "<b>Fever</b> & travel",
    });
    assert.equal(cancel.res.status, 412);
    assert.match(cancel.html, notice, "a Tamil alert says it changed elsewhere");
    assert.match(cancel.html, new RegExp(`<time datetime="${movedTo}"`), "shown as it is now");
    assert.match(
      cancel.html,
      /&lt;b&gt;Fever&lt;\/b&gt; &amp; travel<\/textarea>/,
      "typed, escaped",
    );
    assert.notEqual(versionOf(cancel.html), shown, "its form now sends the current version");

    const move = await b.post(`${here}/reschedule`, {
      _csrf: csrfOf(staleMove.html),
      start: target,
      version: shown,
    });
    assert.equal(move.res.status, 412);
    assert.match(move.html, notice);
    assert.match(move.html, new RegExp(`<time datetime="${movedTo}"`));
    assert.equal((await deps.outbox!(first.phone)).length, sentBefore, "no code for a stale move");
    const free = await b.page(`/book/doctors/${doctor.id}?date=${dayInDays(4)}`);
    assert.ok(slotStarts(free.html).includes(target), "nothing held for the stale move");

    const visit = await b.page(here);
    assert.match(visit.html, new RegExp(`<time datetime="${movedTo}"`), "the visit unchanged");
    assert.match(visit.html, new RegExp(`action="${here}/cancel"`), "still confirmed");

    const bad = await b.post(`${here}/cancel`, { _csrf: csrfOf(visit.html), version: "1x" });
    assert.equal(bad.res.status, 400, "a malformed version changes nothing");
    assert.match((await b.page(here)).html, new RegExp(`action="${here}/cancel"`));

    const fresh = await b.post(`${here}/cancel`, {
      _csrf: csrfOf(cancel.html),
      version: versionOf(cancel.html),
    });
    assert.equal(fresh.res.status, 303, "the page shown after the alert cancels");
  } finally {
    await runtime.close();
  }
});

Deno.test("book pages: a cancel or move sent twice from one page (a double tap) answers as done, not 'changed elsewhere'", async () => {
  const { app, runtime, deps } = await buildApp({ CANCEL_CUTOFF_MINUTES: "60" });
  try {
    const doctor = await makeDoctor(deps);
    const b = new Browser(app, { "accept-language": "en" });
    const { id } = await bookFirstSlot(b, deps, doctor.id);
    const here = `/book/appointments/${id}`;

    const movePage = await b.page(`${here}/reschedule?date=${dayInDays(5)}`);
    const target = slotStarts(movePage.html)[1];
    const tap = {
      _csrf: csrfOf(movePage.html),
      start: target,
      version: versionOf(movePage.html),
    };
    const firstMove = await b.post(`${here}/reschedule`, tap);
    assert.equal(firstMove.res.status, 303, firstMove.html);
    const secondMove = await b.post(`${here}/reschedule`, tap);
    assert.equal(secondMove.res.status, 303, "the visit is where the patient asked");
    assert.equal(secondMove.res.headers.get("location"), `${here}?moved=1`);

    const visit = await b.page(here);
    const cancelTap = { _csrf: csrfOf(visit.html), version: versionOf(visit.html) };
    const firstCancel = await b.post(`${here}/cancel`, cancelTap);
    assert.equal(firstCancel.res.status, 303);
    const secondCancel = await b.post(`${here}/cancel`, cancelTap);
    assert.equal(secondCancel.res.status, 303, "what was asked is done");
    assert.equal(secondCancel.res.headers.get("location"), `${here}?cancelled=1`);
  } finally {
    await runtime.close();
  }
});

Deno.test("book pages: a move sent twice at once from one page (the second tap while the first still runs) answers as moved, not 'taken'", async () => {
  const { app, runtime, deps } = await buildApp({ CANCEL_CUTOFF_MINUTES: "60" });
  try {
    const doctor = await makeDoctor(deps);
    const b = new Browser(app, { "accept-language": "en" });
    const { id } = await bookFirstSlot(b, deps, doctor.id);
    const here = `/book/appointments/${id}`;

    const movePage = await b.page(`${here}/reschedule?date=${dayInDays(5)}`);
    const target = slotStarts(movePage.html)[1];
    const tap = {
      _csrf: csrfOf(movePage.html),
      start: target,
      version: versionOf(movePage.html),
    };
    const [first, second] = await Promise.all([
      b.post(`${here}/reschedule`, tap),
      b.post(`${here}/reschedule`, tap),
    ]);
    for (const tapped of [first, second]) {
      assert.equal(tapped.res.status, 303, tapped.html);
      assert.equal(tapped.res.headers.get("location"), `${here}?moved=1`);
    }
    const visit = await b.page(here);
    assert.equal(versionOf(visit.html), "2", "moved once");
  } finally {
    await runtime.close();
  }
});
