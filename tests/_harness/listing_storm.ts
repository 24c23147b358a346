/**
 * A storm of slot listings racing holds and releases, for the exactness tests of the calendar
 * view (tests/http/concurrency_test.ts on two processes, tests/cluster/cluster_test.ts on three
 * instances over denokv). Listers keep listing every doctor's day on every instance, so listings
 * are always in flight and share their version reads, while patients hold a slot on one instance
 * and release it on the next. Then every listing that lies wholly after a hold answered and before
 * its release was sent must not offer the slot, and every listing sent after the release answered
 * must offer it. Returns how many listings were checked.
 */
import assert from "node:assert/strict";
import { type Api, firstSlots, type Session } from "./api.ts";

export interface StormOptions {
  /** Where listings go: every instance, so each one's view is tested. */
  apis: Api[];
  doctors: string[];
  /** The doctors' calendar day listed. */
  day: string;
  /** Each holds one slot (on `apis[i % n]`) and releases it on the next instance. */
  patients: Session[];
  listersPerApi?: number;
  /** How long a hold stands, and how long listings go on after its release. */
  pauseMs?: number;
}

interface Listing {
  doctorId: string;
  sentAt: number;
  answeredAt: number;
  starts: Set<string>;
}

export async function listingStorm(o: StormOptions): Promise<number> {
  const pauseMs = o.pauseMs ?? 150;
  const offered = new Map<string, string[]>();
  for (const d of o.doctors) {
    offered.set(
      d,
      (await firstSlots(o.apis[0], d, o.day)).map((s) => s.start),
    );
  }

  const seen: Listing[] = [];
  let storming = true;
  const storm = o.apis.flatMap((api) =>
    Array.from({ length: o.listersPerApi ?? 16 }, async (_, k) => {
      for (let i = k; storming; i++) {
        const doctorId = o.doctors[i % o.doctors.length];
        const sentAt = performance.now();
        const slots = await firstSlots(api, doctorId, o.day);
        seen.push({
          doctorId,
          sentAt,
          answeredAt: performance.now(),
          starts: new Set(slots.map((s) => s.start)),
        });
      }
    })
  );

  const changes = await Promise.all(o.patients.map(async (session, i) => {
    const api = o.apis[i % o.apis.length];
    const other = o.apis[(i + 1) % o.apis.length];
    const doctorId = o.doctors[i % o.doctors.length];
    const start = offered.get(doctorId)![Math.floor(i / o.doctors.length)];
    const held = await api.request<{ id: string }>("POST", "/v1/holds", {
      token: session.accessToken,
      body: { doctorId, start },
    });
    assert.equal(held.status, 201, JSON.stringify(held.body));
    const heldAt = performance.now();
    await new Promise((r) => setTimeout(r, pauseMs));
    const releaseSentAt = performance.now();
    const released = await other.request("DELETE", `/v1/holds/${held.body.id}`, {
      token: session.accessToken,
    });
    assert.equal(released.status, 204);
    const releasedAt = performance.now();
    await new Promise((r) => setTimeout(r, pauseMs));
    return { doctorId, start, heldAt, releaseSentAt, releasedAt };
  }));
  storming = false;
  await Promise.all(storm);

  let checked = 0;
  for (const c of changes) {
    for (const l of seen) {
      if (l.doctorId !== c.doctorId) continue;
      // A listing counts when it was wholly inside a window (sent after one answer, answered
      // before the next request was sent): when the server read the calendar is not seen here.
      if (l.sentAt > c.heldAt && l.answeredAt < c.releaseSentAt) {
        assert.ok(
          !l.starts.has(c.start),
          `a listing sent after the hold answered offered ${c.start}`,
        );
        checked++;
      } else if (l.sentAt > c.releasedAt) {
        assert.ok(l.starts.has(c.start), `a listing sent after the release hid ${c.start}`);
        checked++;
      }
    }
  }
  return checked;
}
