/**
 * A doctor's `maxPerDay` binds a therapy course as it binds single holds: the sessions a course
 * puts on one local day count together with that day's other bookings. In-process, in memory.
 */
import assert from "node:assert/strict";
import { createDoctor, firstSlots, randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";

Deno.test("POST /v1/courses cannot put more sessions on one day than the doctor's maxPerDay", async () => {
  await using app = await startApp({ RATE_LIMIT_DISABLED: "true" });
  const { api } = app;
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin, {}, undefined, { maxPerDay: 1 });
  const [first, second] = await firstSlots(api, doctor.id);

  const patient = await api.login(randomPhone());
  const course = await api.request<Record<string, unknown>>("POST", "/v1/courses", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, starts: [first.start, second.start] },
  });
  assert.equal(course.status, 409, JSON.stringify(course.body));
  assert.equal(course.body.code, "course_unavailable");

  // The same two slots as single holds: the second is refused once the first fills the day.
  const one = await api.request("POST", "/v1/holds", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: first.start },
  });
  assert.equal(one.status, 201, JSON.stringify(one.body));
  const two = await api.request("POST", "/v1/holds", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: second.start },
  });
  assert.equal(two.status, 409, JSON.stringify(two.body));
});
