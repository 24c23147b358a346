/**
 * A doctor's web session (/doctor) stands for an identity session, like a patient's /book session:
 * ending that identity session (`DELETE /v1/auth/sessions/:id`, from another device) ends the web
 * session at once, and logging out of the web pages ends the identity session too.
 */
import assert from "node:assert/strict";
import { createDoctor } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";

type App = Awaited<ReturnType<typeof startApp>>;

async function webLogin(app: App, phone: string): Promise<string> {
  const csrf = "c".repeat(32);
  const headers = {
    "content-type": "application/x-www-form-urlencoded",
    cookie: `vaidya_ui_login=${csrf}`,
  };
  const post = (path: string, form: Record<string, string>) =>
    app.fetch(
      new Request(`http://vaidya.test${path}`, {
        method: "POST",
        headers,
        body: new URLSearchParams({ _csrf: csrf, ...form }),
      }),
    );
  await (await post("/doctor/login", { phone })).body?.cancel();
  const verified = await post("/doctor/login/verify", {
    phone,
    code: await app.api.latestCode(phone),
  });
  await verified.body?.cancel();
  assert.equal(verified.status, 303);
  const token = /vaidya_ui=([^;]+)/.exec(verified.headers.get("set-cookie") ?? "")?.[1];
  assert.ok(token, "a session cookie");
  return `vaidya_ui=${token}`;
}

async function agendaStatus(app: App, cookie: string): Promise<number> {
  const res = await app.fetch(new Request("http://vaidya.test/doctor", { headers: { cookie } }));
  await res.body?.cancel();
  return res.status;
}

/** The identity session (`sid`) an access token belongs to. */
function sessionOf(accessToken: string): string {
  const payload = accessToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(payload)).sid;
}

async function sessionIds(app: App, accessToken: string): Promise<string[]> {
  const res = await app.api.request<{ items: { id: string }[] }>("GET", "/v1/auth/sessions", {
    token: accessToken,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items.map((s) => s.id);
}

Deno.test("doctor UI: ending the identity session (DELETE /v1/auth/sessions/:id) ends the web session", async () => {
  await using app = await startApp({ OTP_RESEND_COOLDOWN_SECONDS: "0" });
  const doctor = await createDoctor(app.api, await app.api.loginAdmin());
  const cookie = await webLogin(app, doctor.phone);
  assert.equal(await agendaStatus(app, cookie), 200, "the web session works");

  // The doctor, on their phone, ends every session but the one they are using.
  const phone = await app.api.login(doctor.phone);
  const mine = (await sessionIds(app, phone.accessToken)).filter((id) =>
    id !== sessionOf(phone.accessToken)
  );
  assert.equal(mine.length, 1, "the web login is one of the doctor's sessions");
  const ended = await app.api.request("DELETE", `/v1/auth/sessions/${mine[0]}`, {
    token: phone.accessToken,
  });
  assert.equal(ended.status, 204);
  assert.equal(await agendaStatus(app, cookie), 303, "the web session ended with it");
});

Deno.test("doctor UI: logging out of the web pages ends the identity session behind them", async () => {
  await using app = await startApp({ OTP_RESEND_COOLDOWN_SECONDS: "0" });
  const doctor = await createDoctor(app.api, await app.api.loginAdmin());
  const cookie = await webLogin(app, doctor.phone);
  const agenda = await app.fetch(new Request("http://vaidya.test/doctor", { headers: { cookie } }));
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await agenda.text())?.[1];
  assert.ok(csrf);
  const phone = await app.api.login(doctor.phone);
  const before = await sessionIds(app, phone.accessToken);
  const out = await app.fetch(
    new Request("http://vaidya.test/doctor/logout", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ _csrf: csrf }),
    }),
  );
  await out.body?.cancel();
  assert.equal(out.status, 303);
  assert.equal(await agendaStatus(app, cookie), 303);
  const after = await sessionIds(app, phone.accessToken);
  assert.equal(before.length, 2, "the web login and the phone's");
  assert.equal(after.length, 1, "only the phone's is left");
});
