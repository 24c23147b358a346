/**
 * One slot listing through the whole app in-process (`app.fetch`, real bootstrap, in-memory KV):
 * a week for one doctor with nothing changed since the last listing (the calendar view's reuse),
 * after every listing a hold being taken and released (a reload each time), and `/healthz` as
 * the app's own floor (middleware, routing, no store). CPU per request without HTTP or a generator.
 */
import { createDoctor, dateInDays } from "../tests/_harness/api.ts";
import { startApp } from "../tests/_harness/app.ts";

const app = await startApp({ RATE_LIMIT_DISABLED: "true" });
const admin = await app.api.loginAdmin();
const doctor = await createDoctor(app.api, admin);
const patient = await app.api.login("+917300000042");
const week = `/v1/doctors/${doctor.id}/slots?from=${dateInDays(1)}&to=${dateInDays(7)}`;
const { body } = await app.api.request<{ slots: { start: string }[] }>("GET", week);
const slot = body.slots[3].start;

async function get(path: string) {
  const res = await app.fetch(new Request(`http://vaidya.test${path}`));
  await res.text();
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
}

Deno.bench("GET /healthz (the app's floor)", async () => {
  await get("/healthz");
});

Deno.bench("GET slots for a week, calendar unchanged", { baseline: true }, async () => {
  await get(week);
});

Deno.bench("GET slots for a week after a hold and its release (view reloads)", async (b) => {
  const held = await app.api.request<{ id: string }>("POST", "/v1/holds", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: slot },
  });
  await app.api.request("DELETE", `/v1/holds/${held.body.id}`, { token: patient.accessToken });
  b.start();
  await get(week);
  b.end();
});

globalThis.addEventListener("unload", () => void app[Symbol.asyncDispose]());
