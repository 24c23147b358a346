/**
 * The inline delivery of a change's held-back entries (Dispatcher.holdBack) is the request's
 * lease on them: it lasts one lease time from when the change began. A request whose store write
 * outlasted that lease must not deliver them itself any more: by then a relay may have listed,
 * claimed and delivered them (or be delivering them), and the request's leased delivery claims
 * nothing, so the patient got the notice twice.
 */
import assert from "node:assert/strict";
import {
  type Actor,
  cancel,
  confirmFromHold,
  type HeldSlot,
} from "../../../src/domain/appointment_machine.ts";
import { LEASE_MS } from "../../../src/events/dispatcher.ts";
import { auditKey } from "../../../src/stores/kv/keys.ts";
import type { RecordStores } from "../../../src/stores/ports.ts";
import { doctor, patient, T0 } from "../../contract/_fixtures.ts";
import { type EventHarness, eventHarness, onMongoRecords } from "./_harness.ts";

const SETTINGS = { inlineNoticeBudgetMs: 2_000 };

function slot(id: string, doctorId: string, patientId: string, startMs: number): HeldSlot {
  return {
    id,
    doctorId,
    patientId,
    startMs,
    endMs: startMs + 30 * 60_000,
    start: new Date(startMs).toISOString(),
    end: new Date(startMs + 30 * 60_000).toISOString(),
  };
}

/** Records whose transitions wait for `slow.during` after storing, before answering the writer. */
function slowTransitions(slow: { during?: () => Promise<void> }) {
  return (records: RecordStores): RecordStores => ({
    ...records,
    appointments: {
      ...records.appointments,
      async transition(prev, next, outbox, alongside) {
        const saved = await records.appointments.transition(prev, next, outbox, alongside);
        await slow.during?.();
        return saved;
      },
    },
  });
}

async function scenario(h: EventHarness, slow: { during?: () => Promise<void> }) {
  const d = doctor({ name: "Dr. Asha Menon" });
  const p = patient({ phoneSealed: await h.cipher.seal("+919812345678") });
  await h.records.doctors.create(d);
  await h.records.patients.getOrCreate(p);
  const actor: Actor = { id: p.id, role: "patient" };
  const change = confirmFromHold(
    slot(`hld_${p.id}`, d.id, p.id, T0),
    { reasonSealed: null, online: false },
    actor,
    h.clock.now,
  );
  const a = await h.writer.write(change, { step: "confirm" });
  await h.drain();
  assert.equal(h.sent.length, 1, "the confirmation");

  // The cancel's store write takes longer than a lease: meanwhile another instance's relay finds
  // the held-back entries due and delivers them.
  slow.during = async () => {
    slow.during = undefined;
    h.clock.now += LEASE_MS + 1;
    await h.drain();
  };
  await h.writer.write(cancel(a, actor, null, h.clock.now), { step: "cancel" });
  await h.drain();
  const cancelled = h.sent.filter((m) => /cancel/i.test(m.body));
  assert.equal(cancelled.length, 1, `the cancellation notice went out ${cancelled.length} times`);
  const trail: string[] = [];
  for await (const e of h.kv.list<{ action: string }>({ prefix: auditKey(0).slice(0, 1) })) {
    trail.push(e.value.action);
  }
  assert.equal(
    trail.filter((action) => action === "appointment.cancel").length,
    1,
    trail.join(","),
  );
}

Deno.test("a change whose store write outlasts its inline lease leaves its notice to the relay, which sends it once (KV records)", async () => {
  const slow: { during?: () => Promise<void> } = {};
  const h = await eventHarness(T0 - 3 * 86_400_000, SETTINGS, undefined, {
    wrapRecords: slowTransitions(slow),
  });
  try {
    await scenario(h, slow);
  } finally {
    await h.close();
  }
});

Deno.test("a change whose store write outlasts its inline lease leaves its notice to the relay, which sends it once (MongoDB records)", async () => {
  const slow: { during?: () => Promise<void> } = {};
  await onMongoRecords((h) => scenario(h, slow), {
    settings: SETTINGS,
    store: { writerWindowMs: 0 },
    wrapRecords: slowTransitions(slow),
  });
});
