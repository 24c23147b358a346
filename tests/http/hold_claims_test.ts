/**
 * Holds for one slot in one process go one after another (booking_service.ts `holdSlot`): a hold
 * that finds another for the same slot under way waits for it, then answers 409 if the slot is
 * taken, and goes on to the store if the one ahead failed. What must hold whatever the order the
 * requests arrive in: one winner per slot, clean 409s for the rest, a hold that fails for its own
 * reason (the patient's limit) never costs another patient the slot, and a released slot can be
 * held again.
 */
import assert from "node:assert/strict";
import {
  createDoctor,
  firstSlots,
  loginMany,
  randomPhone,
  type Session,
  tallyAnswers,
} from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";

type Body = Record<string, unknown>;
const FAST = { RATE_LIMIT_DISABLED: "true" };

Deno.test("a crowd for one slot: one 201, clean 409s, and the slot is held again once released", async () => {
  await using app = await startApp(FAST);
  const { api } = app;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const [slot] = await firstSlots(api, doctor.id);
  const patients = (await loginMany([api], 40)).map((p) => p.session);
  const hold = (s: Session) =>
    api.request<Body>("POST", "/v1/holds", {
      token: s.accessToken,
      body: { doctorId: doctor.id, start: slot.start },
    });

  const first = await Promise.all(patients.slice(0, 30).map(hold));
  assert.deepEqual(tallyAnswers(first), { "201": 1, "409 slot_unavailable": 29 });
  const winner = patients[first.findIndex((r) => r.status === 201)];
  const released = await api.request(
    "DELETE",
    `/v1/holds/${first.find((r) => r.status === 201)!.body.id}`,
    {
      token: winner.accessToken,
    },
  );
  assert.equal(released.status, 204);

  const second = await Promise.all(patients.slice(30).map(hold));
  assert.deepEqual(tallyAnswers(second), { "201": 1, "409 slot_unavailable": 9 });
});

Deno.test("a hold refused for the patient's own limit does not cost the patient behind it the slot", async () => {
  await using app = await startApp({ ...FAST, MAX_ACTIVE_HOLDS_PER_PATIENT: "1" });
  const { api } = app;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const slots = await firstSlots(api, doctor.id);
  const limited = (await loginMany([api], 8)).map((p) => p.session);
  // Each limited patient already holds a slot of their own (slots 1..8), so their hold on another
  // fails at the store for the limit, after it became the hold under way for that slot.
  for (const [i, s] of limited.entries()) {
    const own = await api.request<Body>("POST", "/v1/holds", {
      token: s.accessToken,
      body: { doctorId: doctor.id, start: slots[i + 1].start },
    });
    assert.equal(own.status, 201, JSON.stringify(own.body));
  }
  // Five rounds, each a fresh patient and a free slot (9..13): the limited patients' requests
  // first, so the fresh one usually arrives while one of theirs is the hold under way.
  for (const slot of slots.slice(9, 14)) {
    const fresh = await api.login(randomPhone());
    const hold = (s: Session) =>
      api.request<Body>("POST", "/v1/holds", {
        token: s.accessToken,
        body: { doctorId: doctor.id, start: slot.start },
      });
    const theirs = limited.map(hold);
    await new Promise((r) => setTimeout(r, 0));
    const mine = await hold(fresh);
    const refused = await Promise.all(theirs);

    assert.equal(mine.status, 201, JSON.stringify(mine.body));
    for (const r of refused) {
      assert.equal(r.status, 409, JSON.stringify(r.body));
      assert.ok(
        r.body.code === "hold_limit_reached" || r.body.code === "slot_unavailable",
        JSON.stringify(r.body),
      );
    }
  }
});
