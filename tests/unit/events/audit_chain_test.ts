import assert from "node:assert/strict";
import type { AuditEntry } from "../../../src/audit/audit_chain.ts";
import { createKvAuditLog } from "../../../src/audit/audit_log.ts";
import { verifyAuditChain } from "../../../src/audit/audit_verify.ts";
import { auditIndexKey, auditIndexPrefix, auditKey } from "../../../src/stores/kv/keys.ts";
import { createAuditKeyring } from "../../../src/audit/audit_keys.ts";
import { bytesToBase64Url } from "../../../src/crypto/encoding.ts";
import { createDispatcher } from "../../../src/events/dispatcher.ts";
import { ENVELOPE_KIND, type EventEnvelope } from "../../../src/events/event_types.ts";
import { auditHandler } from "../../../src/events/handlers/audit_handler.ts";
import { listDue, writeToOutbox } from "../../../src/events/outbox.ts";
import { createLogger } from "../../../src/observability/logger.ts";
import { countingKv } from "../../_harness/counting_kv.ts";

const newKey = (id: string) => ({
  id,
  keyBase64: bytesToBase64Url(crypto.getRandomValues(new Uint8Array(32))),
});
const KEYS = await createAuditKeyring([newKey("t1")]);

async function chainOf(n: number) {
  const kv = await Deno.openKv(":memory:");
  let t = Date.UTC(2026, 0, 1);
  const log = createKvAuditLog(kv, () => t += 1000, KEYS);
  for (let i = 0; i < n; i++) {
    await log.append({
      actorId: `doc_${i % 2}`,
      actorRole: "doctor",
      action: i % 2 ? "appointment.notes_read" : "appointment.cancel",
      appointmentId: `apt_${i % 3}`,
      patientId: "pat_1",
      doctorId: `doc_${i % 2}`,
    });
  }
  return { kv, log };
}

Deno.test("audit: an untouched chain verifies", async () => {
  const { kv } = await chainOf(5);
  assert.deepEqual(await verifyAuditChain(kv, KEYS), { ok: true, checked: 5, broken: null });
  kv.close();
});

Deno.test("audit: concurrent appends serialize into one unbroken chain", async () => {
  const { kv, log } = await chainOf(0);
  await Promise.all(
    Array.from(
      { length: 25 },
      (_, i) =>
        log.append({ actorId: `adm_${i}`, actorRole: "admin", action: "appointment.cancel" }),
    ),
  );
  const result = await verifyAuditChain(kv, KEYS);
  assert.equal(result.ok, true, JSON.stringify(result.broken));
  assert.equal(result.checked, 25);
  kv.close();
});

Deno.test("audit: two writers on one KV (two processes) batch and retry into one chain", async () => {
  const kv = await Deno.openKv(":memory:");
  const a = createKvAuditLog(kv, () => Date.now(), KEYS);
  const b = createKvAuditLog(kv, () => Date.now(), KEYS);
  const entries = await Promise.all(
    Array.from(
      { length: 60 },
      (_, i) =>
        (i % 2 ? a : b).append({
          actorId: `pat_${i}`,
          actorRole: "patient",
          action: "appointment.cancel",
        }),
    ),
  );
  assert.deepEqual(
    entries.map((e) => e.seq).sort((x, y) => x - y),
    Array.from({ length: 60 }, (_, i) => i + 1),
    "every append got its own place in the chain",
  );
  const result = await verifyAuditChain(kv, KEYS);
  assert.equal(result.ok, true, JSON.stringify(result.broken));
  assert.equal(result.checked, 60);
  kv.close();
});

Deno.test("audit: verify names the first modified entry", async () => {
  const { kv } = await chainOf(5);
  const entry = (await kv.get<AuditEntry>(auditKey(3))).value!;
  await kv.set(auditKey(3), { ...entry, actorId: "someone_else" });
  const result = await verifyAuditChain(kv, KEYS);
  assert.equal(result.ok, false);
  assert.equal(result.broken?.seq, 3);
  assert.equal(result.broken?.id, entry.id);
  assert.match(result.broken!.reason, /modified/);
  kv.close();
});

Deno.test("audit: verify detects a deleted entry in the middle and at the end", async () => {
  const { kv } = await chainOf(5);
  await kv.delete(auditKey(2));
  const middle = await verifyAuditChain(kv, KEYS);
  assert.equal(middle.ok, false);
  assert.equal(middle.broken?.seq, 2);
  assert.match(middle.broken!.reason, /missing/);

  const other = await chainOf(5);
  await other.kv.delete(auditKey(5));
  const tail = await verifyAuditChain(other.kv, KEYS);
  assert.equal(tail.ok, false);
  assert.equal(tail.broken?.seq, 5);
  kv.close();
  other.kv.close();
});

Deno.test("audit: a re-hashed forgery still breaks the link to the next entry", async () => {
  const { kv } = await chainOf(4);
  const { entryHash } = await import("../../../src/audit/audit_chain.ts");
  const e2 = (await kv.get<AuditEntry>(auditKey(2))).value!;
  const forged = { ...e2, action: "appointment.book" as const };
  forged.hash = await entryHash(forged, KEYS);
  await kv.set(auditKey(2), forged);
  const result = await verifyAuditChain(kv, KEYS);
  assert.equal(result.broken?.seq, 3);
  assert.match(result.broken!.reason, /prevHash/);
  kv.close();
});

Deno.test("audit: list filters by appointment, actor and time, newest first, with a cursor", async () => {
  const { kv, log } = await chainOf(9);
  const byAppt = await log.list({ appointmentId: "apt_0" }, 10);
  assert.deepEqual(byAppt.items.map((e) => e.seq), [7, 4, 1]);
  const byActor = await log.list({ actorId: "doc_1" }, 2);
  assert.deepEqual(byActor.items.map((e) => e.seq), [8, 6]);
  const next = await log.list({ actorId: "doc_1" }, 2, byActor.nextCursor!);
  assert.deepEqual(next.items.map((e) => e.seq), [4, 2]);
  assert.equal(next.nextCursor, null);
  const first = (await log.list({}, 100)).items.at(-1)!;
  const windowed = await log.list({ fromMs: first.atMs + 1000, toMs: first.atMs + 3000 }, 10);
  assert.deepEqual(windowed.items.map((e) => e.seq), [3, 2]);
  kv.close();
});

Deno.test("audit: a patient acting on their own record is indexed once, and listing by actor still finds it, newest first, with a cursor", async () => {
  const { kv, log } = await chainOf(0);
  const act = (actorId: string, patientId: string) =>
    log.append({
      actorId,
      actorRole: actorId.startsWith("pat") ? "patient" : "doctor",
      action: "appointment.book",
      appointmentId: "apt_1",
      patientId,
    });
  await act("pat_1", "pat_1"); // 1
  await act("doc_1", "pat_1"); // 2: about pat_1, by someone else
  await act("pat_1", "pat_2"); // 3: by pat_1, about someone else
  await act("pat_1", "pat_1"); // 4
  // As an older build wrote it: the actor index too, for an own-record entry.
  await kv.set(auditIndexKey("actor", "pat_1", 1), 1);
  const actorIndex = await Array.fromAsync(kv.list({ prefix: auditIndexPrefix("actor", "pat_1") }));
  assert.deepEqual(actorIndex.map((e) => e.key.at(-1)), [1, 3]);
  const first = await log.list({ actorId: "pat_1" }, 2);
  assert.deepEqual(first.items.map((e) => e.seq), [4, 3]);
  const rest = await log.list({ actorId: "pat_1" }, 2, first.nextCursor!);
  assert.deepEqual(rest.items.map((e) => e.seq), [1]);
  assert.equal(rest.nextCursor, null);
  const both = await log.list({ actorId: "pat_1", patientId: "pat_1" }, 10);
  assert.deepEqual(both.items.map((e) => e.seq), [4, 1]);
  assert.deepEqual((await log.list({ patientId: "pat_1" }, 10)).items.map((e) => e.seq), [4, 2, 1]);
  assert.deepEqual((await log.list({ actorId: "doc_1" }, 10)).items.map((e) => e.seq), [2]);
  kv.close();
});

Deno.test("audit: the handler's entry and its event's done mark land in one commit, so a delivery appends it once", async () => {
  const store = await Deno.openKv(":memory:");
  const { kv, commits } = countingKv(store);
  let t = Date.UTC(2026, 0, 1);
  const log = createKvAuditLog(kv, () => t += 1000, KEYS);
  const dispatcher = createDispatcher({
    kv,
    handlers: [auditHandler(log)],
    now: () => t,
    log: createLogger({ level: "error", write: () => {} }),
    retryBaseMs: 100,
    maxAttempts: 3,
  });
  const envelope: EventEnvelope = {
    kind: ENVELOPE_KIND,
    handler: "audit.append",
    event: {
      id: "evt-audit-1",
      type: "audit.entry",
      occurredAtMs: t,
      data: { action: "appointment.book", actorId: "pat_1", actorRole: "patient" },
    },
    attempt: 0,
    notBeforeMs: t,
  };
  await writeToOutbox(kv, [envelope]);
  const before = commits.length;
  assert.equal(await dispatcher.deliver(envelope), "done");
  // The lease's claim, then one commit with the entry, the head, the done mark and the removal.
  const made = commits.slice(before);
  assert.equal(made.length, 2, JSON.stringify(made));
  for (const prefix of ["audit", "audit_head", "event_handled", "event_due"]) {
    assert.ok(made[1].prefixes.includes(prefix), `${prefix} in ${made[1].prefixes}`);
  }
  assert.deepEqual(await listDue(kv, t, 10), []);
  assert.equal(await dispatcher.deliver(envelope), "duplicate");
  assert.deepEqual(await verifyAuditChain(kv, KEYS), { ok: true, checked: 1, broken: null });
  store.close();
});

Deno.test("audit: list with `from` and `to` reads the entries near that window, not the whole trail", async () => {
  const store = await Deno.openKv(":memory:");
  let read = 0;
  // Counts the audit entries and index keys every list yields.
  const kv = new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop !== "list") return typeof value === "function" ? value.bind(target) : value;
      return (...args: Parameters<Deno.Kv["list"]>) => {
        const iter = target.list(...args);
        return (async function* () {
          for await (const e of iter) {
            read++;
            yield e;
          }
        })();
      };
    },
  });
  let t = Date.UTC(2026, 0, 1);
  const log = createKvAuditLog(kv, () => t += 60_000, KEYS); // one entry a minute
  for (let i = 0; i < 400; i++) {
    await log.append({
      actorId: "doc_1",
      actorRole: "doctor",
      action: "appointment.cancel",
      appointmentId: `apt_${i}`,
      patientId: `pat_${i}`,
      doctorId: "doc_1",
    });
  }
  const lastHour = { fromMs: t - 3_600_000 };
  // An hour long ago (entries 101 to 161): the listing starts near it, not at the newest entry.
  const longAgo = { fromMs: t - 300 * 60_000, toMs: t - 239 * 60_000 };
  for (
    const query of [lastHour, { ...lastHour, actorId: "doc_1" }, longAgo, {
      ...longAgo,
      actorId: "doc_1",
    }]
  ) {
    read = 0;
    const page = await log.list(query, 100);
    assert.equal(page.items.length, 61, JSON.stringify(query)); // both ends of the hour
    assert.equal(page.nextCursor, null);
    assert.ok(read < 100, `${read} entries read for an hour of a 400-entry trail`);
  }
  store.close();
});
