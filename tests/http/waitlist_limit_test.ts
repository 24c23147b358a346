/**
 * The waitlist's per-patient limit over HTTP (in-process): one patient cannot pile up entries
 * across doctors and days (storage, `GET /v1/waitlist` reads, notices); the limit is a 409 like the
 * hold limit, joining a day already joined still answers that entry, and leaving makes room.
 */
import assert from "node:assert/strict";
import { startAppWithDoctor } from "../_harness/app.ts";
import { dateInDays } from "../_harness/api.ts";

type Body = Record<string, unknown>;

Deno.test("POST /v1/doctors/:id/waitlist refuses a patient's entry past MAX_WAITLIST_PER_PATIENT (409 waitlist_limit_reached)", async () => {
  await using app = await startAppWithDoctor({ MAX_WAITLIST_PER_PATIENT: "2" });
  const { api, doctor, token } = app;
  const join = (days: number) =>
    api.request<Body>("POST", `/v1/doctors/${doctor.id}/waitlist`, {
      token,
      body: { date: dateInDays(days) },
    });
  const first = await join(2);
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.equal((await join(3)).status, 201);

  const third = await join(4);
  assert.equal(third.status, 409, JSON.stringify(third.body));
  assert.equal(third.body.code, "waitlist_limit_reached");
  assert.equal((await join(2)).status, 200, "a day already joined still answers its entry");
  const mine = await api.request<{ items: Body[] }>("GET", "/v1/waitlist", { token });
  assert.equal(mine.body.items.length, 2);

  const left = await api.request("DELETE", `/v1/waitlist/${first.body.id}`, { token });
  assert.equal(left.status, 204);
  assert.equal((await join(4)).status, 201, "leaving one makes room");
});
