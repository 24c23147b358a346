import assert from "node:assert/strict";
import { cancel, confirmFromHold, holdPlaced } from "../../../src/domain/appointment_machine.ts";
import { listDeadLetters } from "../../../src/events/dead_letters.ts";
import { envelopesOf } from "../../../src/events/event_types.ts";
import { webhookKey, webhookPresenceKey } from "../../../src/stores/kv/keys.ts";
import type { HoldRecord } from "../../../src/stores/ports.ts";
import { createWebhookPresence } from "../../../src/webhooks/webhook_presence.ts";
import { createKvWebhookStore, type WebhookEndpoint } from "../../../src/webhooks/webhook_store.ts";
import { doctor, id, patient, T0 } from "../../contract/_fixtures.ts";
import { receiverAccepts } from "../../_harness/webhook_signature.ts";
import { startSilentServer } from "../../_harness/silent_server.ts";
import { assertWebhookUrl, isPrivateAddress } from "../../../src/webhooks/url_policy.ts";
import { type EventHarness, eventHarness, onEachRecords, onMongoRecords } from "./_harness.ts";

interface Received {
  body: string;
  signature: string;
  event: string | null;
}

/** A clinic's endpoint on 127.0.0.1:0 that answers the given statuses in turn (then 200). */
function receiver(statuses: number[]) {
  const received: Received[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    received.push({
      body: await req.text(),
      signature: req.headers.get("vaidya-signature") ?? "",
      event: req.headers.get("vaidya-event"),
    });
    return new Response(null, { status: statuses.shift() ?? 200 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}/hooks`, received, server };
}

function confirmedEvent(h: EventHarness, id: string) {
  return h.rt.bus.publish({
    id,
    type: "appointment.confirmed",
    occurredAtMs: h.clock.now,
    data: {
      appointmentId: "apt_1",
      doctorId: "doc_1",
      patientId: "pat_1",
      startMs: h.clock.now + 86_400_000,
      endMs: h.clock.now + 86_400_000 + 1_800_000,
      status: "confirmed",
    },
  });
}

Deno.test("webhooks: signed deliveries are retried after 500s and then succeed", async () => {
  const h = await eventHarness(Date.now(), { maxAttempts: 4 });
  const rx = receiver([500, 500]);
  const { id, secret } = await h.rt.webhooks.register(rx.url, ["appointment.confirmed"]);
  assert.match(secret, /^whsec_/);

  await confirmedEvent(h, "evt-confirmed-1");
  await h.drain();
  assert.equal(rx.received.length, 1);
  await h.advance(1_000);
  assert.equal(rx.received.length, 2);
  await h.advance(2_000);
  assert.equal(rx.received.length, 3, "third try after backoff of 1 s then 2 s");
  await h.advance(60_000);
  assert.equal(rx.received.length, 3, "no delivery after success");

  const nowSec = Math.floor(h.clock.now / 1000);
  for (const r of rx.received) {
    assert.equal(r.event, "appointment.confirmed");
    assert.ok(receiverAccepts(r.signature, secret, r.body, nowSec), r.signature);
    assert.equal(receiverAccepts(r.signature, "whsec_wrong", r.body, nowSec), false);
    assert.equal(receiverAccepts(r.signature, secret, r.body + " ", nowSec), false);
  }
  const payload = JSON.parse(rx.received[2].body);
  assert.equal(payload.type, "appointment.confirmed");
  assert.equal(payload.data.appointmentId, "apt_1");
  assert.ok(!("reason" in payload.data) && !("notes" in payload.data));

  const [listed] = await h.rt.webhooks.list();
  assert.equal(listed.id, id);
  assert.equal(listed.status, "healthy");
  assert.deepEqual(listed.recentAttempts.map((a) => a.httpStatus), [200, 500, 500]);
  assert.equal("secret" in listed, false, "the secret is never listed");
  await rx.server.shutdown();
  await h.close();
});

Deno.test("webhooks: during rotation deliveries carry signatures of the new and the old secret", async () => {
  const h = await eventHarness(Date.now());
  const rx = receiver([]);
  const { id, secret: oldSecret } = await h.rt.webhooks.register(rx.url, [
    "appointment.confirmed",
  ]);
  const rotated = await h.rt.webhooks.rotateSecret(id);
  assert.notEqual(rotated.secret, oldSecret);
  assert.ok(rotated.previousSecretValidUntil);
  await confirmedEvent(h, "evt-rotation");
  await h.drain();
  const [r] = rx.received;
  assert.equal(r.signature.match(/v1=/g)?.length, 2);
  const nowSec = Math.floor(h.clock.now / 1000);
  assert.ok(receiverAccepts(r.signature, rotated.secret, r.body, nowSec));
  assert.ok(receiverAccepts(r.signature, oldSecret, r.body, nowSec));

  await h.advance(3_600_000 + 1); // grace over: only the new secret signs
  await confirmedEvent(h, "evt-after-grace");
  await h.drain();
  const late = rx.received[1];
  assert.equal(late.signature.match(/v1=/g)?.length, 1);
  const lateSec = Math.floor(h.clock.now / 1000);
  assert.equal(receiverAccepts(late.signature, oldSecret, late.body, lateSec), false);
  await rx.server.shutdown();
  await h.close();
});

Deno.test("webhooks: an endpoint that keeps failing ends in the dead-letter list, marked failing", async () => {
  const h = await eventHarness(Date.now(), { maxAttempts: 2 });
  const rx = receiver([503, 503, 503]);
  await h.rt.webhooks.register(rx.url, ["appointment.confirmed"]);
  await confirmedEvent(h, "evt-dead");
  await h.drain();
  await h.advance(1_000);
  await h.advance(60_000);
  assert.equal(rx.received.length, 2, "bounded attempts");
  const letters = await listDeadLetters(h.kv);
  assert.equal(letters.length, 1);
  assert.equal(letters[0].envelope.handler, "webhooks.deliver");
  const [listed] = await h.rt.webhooks.list();
  assert.equal(listed.status, "failing");
  assert.equal(listed.recentAttempts[0].final, true);
  await rx.server.shutdown();
  await h.close();
});

Deno.test("assertWebhookUrl() allows only http(s) and, strictly, no private hosts", () => {
  assert.equal(assertWebhookUrl("https://clinic.example/hook", false).hostname, "clinic.example");
  assert.ok(assertWebhookUrl("http://127.0.0.1:9/hook", true));
  for (const bad of ["ftp://clinic.example/", "javascript:alert(1)", "not a url"]) {
    assert.throws(() => assertWebhookUrl(bad, true), /must be http|not a valid/);
  }
  for (
    const internal of [
      "http://127.0.0.1/",
      "http://localhost:8000/",
      "http://10.1.2.3/",
      "http://192.168.0.5/",
      "http://169.254.169.254/latest",
      "http://[::1]/",
      "http://[fd00::1]/",
    ]
  ) {
    assert.throws(() => assertWebhookUrl(internal, false), /not public/, internal);
  }
  assert.equal(isPrivateAddress("8.8.8.8"), false);
  assert.throws(() => assertWebhookUrl("https://user:pw@clinic.example/", false), /credentials/);
});

Deno.test("webhooks: a delivery without an HTTP answer records one generic reason (no port-scan oracle)", async () => {
  const h = await eventHarness(Date.now(), { maxAttempts: 1 });
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (closed.addr as Deno.NetAddr).port;
  closed.close(); // nothing listens there now: the connection is refused
  await h.rt.webhooks.register(`http://127.0.0.1:${port}/hook`, ["appointment.confirmed"]);
  await confirmedEvent(h, "evt-closed-port");
  await h.drain();
  const [listed] = await h.rt.webhooks.list();
  const [attempt] = listed.recentAttempts;
  assert.equal(attempt.httpStatus, null);
  assert.equal(attempt.error, "No HTTP answer from the endpoint");
  await h.close();
});

Deno.test("webhooks: a delivery the endpoint never answers is given up at WEBHOOK_TIMEOUT_MS, one generic reason", async () => {
  const h = await eventHarness(Date.now(), { maxAttempts: 1, webhookTimeoutMs: 300 });
  const silent = startSilentServer();
  try {
    await h.rt.webhooks.register(`http://127.0.0.1:${silent.port}/hook`, [
      "appointment.confirmed",
    ]);
    await confirmedEvent(h, "evt-silent");
    await h.drain();
    const [listed] = await h.rt.webhooks.list();
    const [attempt] = listed.recentAttempts;
    assert.equal(attempt.httpStatus, null);
    assert.equal(attempt.error, "No HTTP answer from the endpoint");
  } finally {
    await silent.close();
    await h.close();
  }
});

/** A patient's confirmed booking of `startMs` through the real hold store and writer. */
async function book(h: EventHarness, startMs: number) {
  const d = doctor();
  const p = patient({ phoneSealed: await h.cipher.seal("+919812345678") });
  await h.records.doctors.create(d);
  await h.records.patients.getOrCreate(p);
  const nowMs = h.clock.now;
  const hold: HoldRecord = {
    id: id("hld"),
    doctorId: d.id,
    patientId: p.id,
    startMs,
    endMs: startMs + 1_800_000,
    start: new Date(startMs).toISOString(),
    end: new Date(startMs + 1_800_000).toISOString(),
    expiresAtMs: nowMs + 300_000,
    codeHash: "x",
    attempts: 0,
    createdAt: new Date(nowMs).toISOString(),
  };
  await h.holds.create(hold, 3, nowMs, envelopesOf(holdPlaced(hold, nowMs)));
  return await h.writer.write(
    confirmFromHold(
      hold,
      { reasonSealed: null, online: false },
      { id: p.id, role: "patient" },
      nowMs,
    ),
    { step: "confirm", consumes: hold, maxAttempts: 5 },
  );
}

/** The appointments whose `webhooks.fanout` entry waits in the outbox. */
async function fannedOut(h: EventHarness): Promise<string[]> {
  return (await h.queue()).filter((q) => q.envelope.handler === "webhooks.fanout")
    .map((q) => q.envelope.event.data.appointmentId!);
}

const received = (rx: ReturnType<typeof receiver>) =>
  rx.received.map((r) => JSON.parse(r.body).data.appointmentId);

onEachRecords(
  "webhooks: with no endpoint a booking stores no fan-out entry; one registered before a booking gets its event, though this process still remembers none",
  async (h) => {
    // No mark yet (a new KV or an older release's data): changes fan out until a list finds none.
    const first = await book(h, T0);
    assert.deepEqual(await fannedOut(h), [first.id]);
    await h.drain();
    assert.deepEqual((await h.kv.get(webhookPresenceKey)).value, { any: false });
    const none = await book(h, T0 + 3_600_000);
    assert.deepEqual(await fannedOut(h), []);
    await h.drain();

    // Registered after the last list: the writer's remembered mark is stale, so its first commit
    // is refused by the mark's check and the retry stores the entry.
    const rx = receiver([]);
    const { id: endpointId } = await h.rt.webhooks.register(rx.url, ["appointment.confirmed"]);
    const after = await book(h, T0 + 7_200_000);
    assert.deepEqual(await fannedOut(h), [after.id]);
    await h.drain();
    assert.deepEqual(received(rx), [after.id], `not ${none.id}: it committed before`);

    // Removed: the next list records none again, and the changes after it fan out to nobody.
    await h.rt.webhooks.remove(endpointId);
    assert.deepEqual(await h.rt.webhooks.list(), []);
    await book(h, T0 + 10_800_000);
    assert.deepEqual(await fannedOut(h), []);
    await rx.server.shutdown();
  },
);

onEachRecords(
  "webhooks: a cancellation, too, leaves its fan-out entry out while no endpoint exists, and fans out once one is registered",
  async (h) => {
    const actor = { id: "adm_1", role: "admin" as const };
    const first = await book(h, T0);
    await h.drain(); // the first fans out; its handler finds no endpoint and records none
    const second = await book(h, T0 + 3_600_000);
    await h.writer.write(cancel(first, actor, null, h.clock.now), { step: "cancel" });
    assert.deepEqual(await fannedOut(h), []);
    await h.drain();

    // Registered after the last list: the first try's check on the remembered mark is refused,
    // and the retry stores the entry.
    const rx = receiver([]);
    await h.rt.webhooks.register(rx.url, ["appointment.cancelled"]);
    await h.writer.write(cancel(second, actor, null, h.clock.now), { step: "cancel" });
    const queued = await fannedOut(h); // one entry per event of the change
    assert.ok(queued.length > 0 && queued.every((id) => id === second.id), `${queued}`);
    await h.drain();
    assert.deepEqual(received(rx), [second.id]);
    assert.deepEqual(rx.received.map((r) => r.event), ["appointment.cancelled"]);
    await rx.server.shutdown();
  },
);

onEachRecords(
  "the writer wakes the relay only when it leaves it work due now: not after a booking it delivered itself, after a cancel (the freed slot's waitlist notice) and a booking that fans out",
  async (h) => {
    const actor = { id: "adm_1", role: "admin" as const };
    const first = await book(h, T0);
    await h.drain(); // its fan-out finds no endpoint and records none
    let before = h.wakes();
    await book(h, T0 + 3_600_000);
    assert.equal(h.wakes(), before, "audit entry and notice delivered inline, reminders later");
    assert.deepEqual(await h.drain(), [], "and indeed a pass finds nothing to do");

    before = h.wakes();
    await h.writer.write(cancel(first, actor, null, h.clock.now), { step: "cancel" });
    assert.equal(h.wakes(), before + 1, "the waitlist notice of the freed slot is the relay's");

    const rx = receiver([]);
    await h.rt.webhooks.register(rx.url, ["appointment.confirmed"]);
    before = h.wakes();
    const fanned = await book(h, T0 + 7_200_000);
    assert.equal(h.wakes(), before + 1, "the deliveries the fan-out wrote are the relay's");
    await h.drain();
    assert.deepEqual(received(rx), [fanned.id]);
    await rx.server.shutdown();
  },
  T0 - 3 * 86_400_000,
  { inlineNoticeBudgetMs: 2_000 }, // as the server runs: the request delivers its own entries
);

Deno.test("webhooks: on MongoDB records a booking whose writer died before moving its events fans out from its document", async () => {
  let dying = false;
  const crashPoint = (at: string) => {
    if (dying && at === "confirm.after_commit") {
      throw new Error("killed after the document's write");
    }
  };
  await onMongoRecords(async (h) => {
    const rx = receiver([]);
    try {
      await book(h, T0);
      await h.drain(); // no endpoint: the mark says none from here on
      await h.rt.webhooks.register(rx.url, ["appointment.confirmed"]);
      dying = true;
      await assert.rejects(book(h, T0 + 3_600_000), /killed/);
      assert.deepEqual(await fannedOut(h), [], "nothing moved into the outbox yet");
      // The relay moves the document's events, the fan-out entry among them, and delivers it.
      await h.drain();
      assert.equal(received(rx).length, 1);
    } finally {
      await rx.server.shutdown();
    }
  }, { store: { writerWindowMs: 0 }, crashPoint });
});

onEachRecords(
  "webhooks: a registration racing bookings never fails them, and every booking after it fans out",
  async (h) => {
    const rx = receiver([]);
    assert.deepEqual(await h.rt.webhooks.list(), []);
    const raced = await Promise.all([
      book(h, T0),
      h.rt.webhooks.register(rx.url, ["appointment.confirmed"]),
      book(h, T0 + 3_600_000),
    ]);
    const after = await book(h, T0 + 7_200_000);
    const queued = await fannedOut(h);
    assert.ok(queued.includes(after.id));
    await h.drain();
    const got = received(rx);
    assert.ok(got.includes(after.id));
    // Each raced booking either fanned out or not, and was delivered exactly when it did.
    for (const a of [raced[0], raced[2]]) assert.equal(got.includes(a.id), queued.includes(a.id));
    await rx.server.shutdown();
  },
);

Deno.test("webhooks: endpoints stored by an older release (no mark) get every event; with KV_CELL_MARKS no entry is left out", async () => {
  for (const cellMarks of [false, true]) {
    const h = await eventHarness(T0 - 3 * 86_400_000, {}, undefined, { cellMarks });
    const rx = receiver([]);
    // What the previous release's registration writes: the endpoint alone.
    const { id: endpointId } = await h.rt.webhooks.register(rx.url, ["appointment.confirmed"]);
    const stored = (await h.kv.get<WebhookEndpoint>(webhookKey(endpointId))).value!;
    await h.kv.delete(webhookPresenceKey);
    await h.kv.set(webhookKey("whk_old"), { ...stored, id: "whk_old" });
    assert.equal((await h.rt.webhooks.list()).length, 2);
    assert.equal(
      (await h.kv.get(webhookPresenceKey)).versionstamp,
      null,
      "a list finding some writes none",
    );
    const a = await book(h, T0);
    assert.deepEqual(await fannedOut(h), [a.id]);
    await h.drain();
    assert.deepEqual(received(rx), [a.id, a.id], "both endpoints");
    // Beside an older release even a list that finds no endpoint leaves no "none" mark.
    await h.rt.webhooks.remove(endpointId);
    await h.rt.webhooks.remove("whk_old");
    assert.deepEqual(await h.rt.webhooks.list(), []);
    const b = await book(h, T0 + 3_600_000);
    assert.deepEqual(await fannedOut(h), cellMarks ? [b.id] : []);
    assert.equal((await h.kv.get(webhookPresenceKey)).versionstamp === null, cellMarks);
    await rx.server.shutdown();
    await h.close();
  }
});

Deno.test("webhooks: after a rollback to a release without the mark, KV_CELL_MARKS sets a stale 'none' back once a list finds endpoints", async () => {
  const h = await eventHarness(T0 - 3 * 86_400_000, {}, undefined, { cellMarks: true });
  const rx = receiver([]);
  // This release recorded none; then an older release registered an endpoint (no mark).
  await h.kv.set(webhookPresenceKey, { any: false });
  const { id: endpointId } = await h.rt.webhooks.register(rx.url, ["appointment.confirmed"]);
  const stored = (await h.kv.get<WebhookEndpoint>(webhookKey(endpointId))).value!;
  await h.rt.webhooks.remove(endpointId);
  await h.kv.set(webhookPresenceKey, { any: false });
  await h.kv.set(webhookKey("whk_old"), { ...stored, id: "whk_old" });
  // Rolled forward with the switch on: changes fan out, and the fan-out's list heals the mark.
  const a = await book(h, T0);
  assert.deepEqual(await fannedOut(h), [a.id]);
  await h.drain();
  assert.deepEqual(received(rx), [a.id]);
  assert.deepEqual((await h.kv.get(webhookPresenceKey)).value, { any: true });
  await rx.server.shutdown();
  await h.close();
});

Deno.test("createWebhookPresence().recordNone() records none only if no registration landed before its mark read (second list) or after it (check)", async () => {
  const kv = await Deno.openKv(":memory:");
  const presence = createWebhookPresence(kv);
  const store = createKvWebhookStore(kv, presence);
  const mark = async () => (await kv.get(webhookPresenceKey)).value;
  const endpoint = (id: string): WebhookEndpoint => ({
    id,
    url: "https://clinic.example/hook",
    events: ["appointment.confirmed"],
    secrets: [],
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    version: 1,
  });
  // Registered after a list found none, before the mark was read: the second list sees it.
  await store.create(endpoint("whk_1"));
  await presence.recordNone(async () => (await store.list()).length > 0);
  assert.deepEqual(await mark(), { any: true });
  // Registered after the mark was read (the second list ran just before): the check refuses.
  await store.remove("whk_1");
  await presence.recordNone(async () => {
    await store.create(endpoint("whk_2"));
    return false;
  });
  assert.deepEqual(await mark(), { any: true });
  // None, truly: recorded; a registration moves it back.
  await store.remove("whk_2");
  assert.deepEqual(await store.list(), []);
  assert.deepEqual(await mark(), { any: false });
  await store.create(endpoint("whk_3"));
  assert.deepEqual(await mark(), { any: true });
  kv.close();
});

Deno.test("webhooks: every registered endpoint is listed and fanned out to, past the 500th", async () => {
  const h = await eventHarness(Date.now());
  const ids: string[] = [];
  for (let i = 0; i < 501; i++) {
    ids.push(
      (await h.rt.webhooks.register(`https://clinic${i}.example/hook`, [
        "appointment.confirmed",
      ])).id,
    );
  }
  const subscribed = await h.rt.webhooks.endpointsFor(["appointment.confirmed"]);
  assert.equal(subscribed.length, 501);
  assert.ok(subscribed.some((e) => e.id === ids[500]), "the 501st endpoint gets the event");
  assert.equal((await h.rt.webhooks.list()).length, 501, "and the admin sees it");
  await h.close();
});
