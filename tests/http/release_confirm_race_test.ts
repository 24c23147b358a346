/**
 * A release racing the confirm of the same hold (two tabs, or a booking page that lets go of its
 * hold as the patient confirms elsewhere): when the confirm books first, the release frees
 * nothing, so it must announce nothing. A `slot.released` for a booked slot tells the waitlist
 * (and webhook subscribers) that time opened which did not.
 */
import assert from "node:assert/strict";
import { randomPhone } from "../_harness/api.ts";
import { startAppWithDoctor } from "../_harness/app.ts";
import { holdSlot } from "../_harness/book.ts";
import { holdKey } from "../../src/stores/kv/keys.ts";

type Body = Record<string, unknown>;

function sameKey(a: Deno.KvKey, b: Deno.KvKey) {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}

Deno.test("a release that read its hold before a confirm booked it answers 404 and tells the waitlist nothing", async () => {
  await using app = await startAppWithDoctor();
  const { api, doctor, token, slots, patient, runtime, day } = app;
  const waiting = await api.login(randomPhone());
  const joined = await api.request<Body>("POST", `/v1/doctors/${doctor.id}/waitlist`, {
    token: waiting.accessToken,
    body: { date: day },
  });
  assert.equal(joined.status, 201, JSON.stringify(joined.body));

  const { holdId, code } = await holdSlot(api, patient, doctor.id, slots[0].start);

  // The release reads the hold; the confirm books it before the release commits.
  const kv = runtime.kv;
  const get = kv.get.bind(kv);
  let confirmed: Promise<{ status: number; body: Body }> | undefined;
  kv.get = (async (key: Deno.KvKey, options?: { consistency?: Deno.KvConsistencyLevel }) => {
    const entry = await get(key, options);
    if (!confirmed && sameKey(key, holdKey(holdId))) {
      confirmed = api.request<Body>("POST", `/v1/holds/${holdId}/confirm`, {
        token,
        body: { code },
      });
      await confirmed;
    }
    return entry;
  }) as typeof kv.get;
  const released = await api.request<Body>("DELETE", `/v1/holds/${holdId}`, { token });
  kv.get = get;
  assert.ok(confirmed, "the release read the hold");
  const booking = await confirmed;
  assert.equal(booking.status, 201, JSON.stringify(booking.body));

  await runtime.deps.events!.relay.drainAll();
  const messages = await api.request<{ messages: { body: string }[] }>(
    "GET",
    `/v1/dev/outbox?to=${encodeURIComponent(waiting.phone)}`,
  );
  assert.deepEqual(
    messages.body.messages.filter((m) => /slot opened/.test(m.body)).map((m) => m.body),
    [],
    "the waiting patient is told a booked slot opened",
  );
  assert.equal(released.status, 404, "the hold was gone: the release freed nothing");
  const listing = await api.request<{ slots: { start: string }[] }>(
    "GET",
    `/v1/doctors/${doctor.id}/slots?from=${day}&to=${day}`,
  );
  assert.equal(listing.body.slots.some((s) => s.start === slots[0].start), false, "booked");
});
