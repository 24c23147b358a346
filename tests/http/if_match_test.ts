/**
 * Optimistic concurrency on appointments over HTTP (the app built by the real start-up,
 * in-process, on a hand-moved clock; on KV records and on MongoDB records in a real FerretDB):
 * one appointment is answered with a strong `ETag` that changes with every change; PATCH, cancel
 * and reschedule honour `If-Match` — the current tag or `*` changes, a stale, weak or foreign one
 * is 412 `precondition_failed` and changes nothing (record, audit trail, webhooks), a malformed
 * one is 400; a retry with the same `Idempotency-Key` replays its answer instead of a 412; of
 * two changes sent at once on the same tag exactly one is made, the other 412; and a change that
 * another instance lands between a PATCH's read and its commit makes that PATCH 412. A read with
 * `If-None-Match` naming the current tag (weakly, `*`, in a list) is 304 with the tag, no body and
 * `no-store`; another caller's appointment stays a 404.
 */
import assert from "node:assert/strict";
import { aroundGetMany, startAppWithDoctor, startTwinApps } from "../_harness/app.ts";
import {
  type ApiResponse,
  createDoctor,
  firstSlots,
  randomPhone,
  type Session,
} from "../_harness/api.ts";
import { book, holdSlot } from "../_harness/book.ts";
import { eventually } from "../_harness/eventually.ts";
import { appEnv, startFerretDb } from "../_harness/ferretdb.ts";
import { assertProblem } from "../_harness/problem.ts";
import { appointmentKey } from "../../src/stores/kv/keys.ts";

type Body = Record<string, unknown>;
type App = Awaited<ReturnType<typeof startAppWithDoctor>>;

/** A webhook receiver for every appointment event, and the event types it got, in order. */
async function subscribe(app: App) {
  const received: string[] = [];
  const receiver = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    received.push(String(JSON.parse(await req.text()).type));
    return new Response(null, { status: 204 });
  });
  const hook = await app.api.request<Body>("POST", "/v1/admin/webhooks", {
    token: app.admin.accessToken,
    body: {
      url: `http://127.0.0.1:${receiver.addr.port}/vaidya`,
      events: [
        "appointment.cancelled",
        "appointment.rescheduled",
        "appointment.completed",
        "appointment.no_show",
      ],
    },
  });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  return { received, [Symbol.asyncDispose]: () => receiver.shutdown() };
}

async function auditActions(app: App, admin: Session, appointmentId: string) {
  const res = await app.api.request<{ items: Body[] }>(
    "GET",
    `/v1/admin/audit?appointmentId=${appointmentId}`,
    { token: admin.accessToken },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items.map((e) => String(e.action)).sort();
}

function send(
  app: App,
  session: Session,
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return app.api.request<Body>(method, path, { token: session.accessToken, body, headers });
}

/**
 * Another appointment's id, differing from `id` in its last character (an id that ends in "x"
 * would otherwise be its own "foreign" id one run in 32).
 */
function otherIdThan(id: string): string {
  return id.slice(0, -1) + (id.endsWith("0") ? "1" : "0");
}

async function etagOf(app: App, session: Session, id: string) {
  const res = await app.api.request<Body>("GET", `/v1/appointments/${id}`, {
    token: session.accessToken,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const etag = res.headers.get("etag");
  assert.ok(etag, "GET answers an ETag");
  assert.match(etag, /^"[^"]+"$/, "a strong ETag");
  return { etag, body: res.body };
}

async function preconditions(env: Record<string, string>) {
  const clock = { now: Date.now() };
  await using app = await startAppWithDoctor(env, () => clock.now);
  await using hooks = await subscribe(app);
  const { doctor, patient, slots } = app;
  let doc = await app.api.login(doctor.phone);

  // Moving an appointment: a stale tag is refused and neither the time nor the hold changes.
  const { appointment: moving } = await book(app.api, patient, doctor.id, slots[2].start);
  const first = await etagOf(app, patient, moving.id);
  assert.equal(first.body.version, 1);
  assert.equal(moving.version, 1, "the confirm's answer carries the version");
  const listed = await send(app, patient, "GET", "/v1/appointments", undefined);
  const item = (listed.body.items as Body[]).find((a) => a.id === moving.id);
  assert.equal(item?.version, 1, "listings carry each appointment's version");

  const { holdId } = await holdSlot(app.api, patient, doctor.id, slots[3].start);
  const reschedule = `/v1/appointments/${moving.id}/reschedule`;
  const foreign = `"${otherIdThan(moving.id)}.v1"`;
  for (const stale of [`"${moving.id}.v2"`, `W/${first.etag}`, foreign, `"v1"`]) {
    const refused = await send(app, patient, "POST", reschedule, { holdId }, {
      "If-Match": stale,
    });
    assertProblem(refused, 412, "precondition_failed");
  }
  for (const malformed of ["v1", `"${moving.id}.v1`, `${first.etag};`, `"a" "b"`]) {
    const bad = await send(app, patient, "POST", reschedule, { holdId }, {
      "If-Match": malformed,
    });
    assertProblem(bad, 400, "validation_failed");
  }
  const unmoved = await etagOf(app, patient, moving.id);
  assert.equal(unmoved.body.start, slots[2].start);
  assert.equal(unmoved.etag, first.etag);
  // The hold the refused moves named is still there: the move below uses it.

  // Empty list elements are accepted and ignored (RFC 9110 §5.6.1.2): still only a stale list,
  // so 412, not 400; a value of only commas and whitespace names no tag at all and stays 400.
  for (
    const stale of [
      `"${moving.id}.v2", , "v1"`,
      `, "${moving.id}.v2"`,
      `"${moving.id}.v2" ,`,
      `,,"${moving.id}.v2",\t,`,
    ]
  ) {
    const refused = await send(app, patient, "POST", reschedule, { holdId }, {
      "If-Match": stale,
    });
    assertProblem(refused, 412, "precondition_failed");
  }
  for (const empty of [",", ", ,", " ,\t, ", "*,"]) {
    const bad = await send(app, patient, "POST", reschedule, { holdId }, { "If-Match": empty });
    assertProblem(bad, 400, "validation_failed");
  }
  const moved = await send(app, patient, "POST", reschedule, { holdId }, {
    "If-Match": `, "other", , ${first.etag},`,
  });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.equal(moved.body.start, slots[3].start);
  assert.equal(moved.body.version, 2);
  const afterMove = moved.headers.get("etag");
  assert.ok(afterMove && afterMove !== first.etag, "the move answers a new ETag");
  assert.equal((await etagOf(app, patient, moving.id)).etag, afterMove);

  // Cancelling: the tag from before the move is stale; the current one cancels.
  const cancel = `/v1/appointments/${moving.id}/cancel`;
  assertProblem(
    await send(app, patient, "POST", cancel, {}, { "If-Match": first.etag }),
    412,
    "precondition_failed",
  );
  const hindi = await send(app, patient, "POST", cancel, {}, {
    "If-Match": first.etag,
    "Accept-Language": "hi",
  });
  assertProblem(hindi, 412, "precondition_failed");
  assert.equal(hindi.body.title, "पूर्व-शर्त पूरी नहीं हुई");
  assert.equal((await etagOf(app, patient, moving.id)).body.status, "confirmed");
  const cancelled = await send(app, patient, "POST", cancel, { reason: "travel" }, {
    "If-Match": afterMove!,
    "Idempotency-Key": `cancel-${moving.id}`,
  });
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  assert.equal(cancelled.body.status, "cancelled");
  const afterCancel = cancelled.headers.get("etag");
  assert.ok(afterCancel && afterCancel !== afterMove);
  assert.equal((await etagOf(app, patient, moving.id)).etag, afterCancel);
  // Its retry (the answer lost) replays the answer, though the tag it sends is now stale.
  const replayed = await send(app, patient, "POST", cancel, { reason: "travel" }, {
    "If-Match": afterMove!,
    "Idempotency-Key": `cancel-${moving.id}`,
  });
  assert.equal(replayed.status, 200, JSON.stringify(replayed.body));
  assert.equal(replayed.headers.get("idempotent-replayed"), "true");
  assert.equal(replayed.headers.get("etag"), afterCancel, "replayed with its ETag");
  assert.deepEqual(replayed.body, cancelled.body);
  // Without the key the stale tag is what it is.
  assertProblem(
    await send(app, patient, "POST", cancel, {}, { "If-Match": afterMove! }),
    412,
    "precondition_failed",
  );

  // The doctor's outcome: a tab that read the visit before it was marked cannot flip it.
  const { appointment: visit } = await book(app.api, patient, doctor.id, slots[0].start);
  clock.now = Date.parse(visit.start) + 10 * 60_000;
  doc = await app.api.login(doctor.phone, true);
  const path = `/v1/appointments/${visit.id}`;
  const opened = await etagOf(app, doc, visit.id);
  const completed = await send(app, doc, "PATCH", path, { status: "completed" }, {
    "If-Match": opened.etag,
  });
  assert.equal(completed.status, 200, JSON.stringify(completed.body));
  const marked = completed.headers.get("etag");
  assert.ok(marked && marked !== opened.etag);
  const staleTab = await send(app, doc, "PATCH", path, { status: "no_show" }, {
    "If-Match": opened.etag,
  });
  assertProblem(staleTab, 412, "precondition_failed");
  // The same status from the stale tab is refused too: it did not see what it would repeat.
  assertProblem(
    await send(app, doc, "PATCH", path, { status: "completed" }, { "If-Match": opened.etag }),
    412,
    "precondition_failed",
  );
  assertProblem(
    await send(app, doc, "PATCH", path, { status: "no_show" }, { "If-Match": "nonsense" }),
    400,
    "validation_failed",
  );
  const now = await etagOf(app, doc, visit.id);
  assert.equal(now.body.status, "completed");
  assert.equal(now.etag, marked);

  // `*`: any existing appointment; notes written with it bump the version.
  const noted = await send(app, doc, "PATCH", path, { notes: "Pitta; follow up in 2 weeks" }, {
    "If-Match": "*",
  });
  assert.equal(noted.status, 200, JSON.stringify(noted.body));
  assert.equal(noted.body.version, 3);
  const otherId = otherIdThan(visit.id);
  const unknown = await send(app, doc, "PATCH", `/v1/appointments/${otherId}`, { notes: "x" }, {
    "If-Match": "*",
  });
  assertProblem(unknown, 404, "not_found");

  // A retried PATCH (its answer lost) with its Idempotency-Key replays, not 412.
  const key = { "If-Match": noted.headers.get("etag")!, "Idempotency-Key": `patch-${visit.id}` };
  const marked2 = { status: "no_show", notes: "Rasayana-7Q2: did not join; call back" };
  const corrected = await send(app, doc, "PATCH", path, marked2, key);
  assert.equal(corrected.status, 200, JSON.stringify(corrected.body));
  const again = await send(app, doc, "PATCH", path, marked2, key);
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.headers.get("idempotent-replayed"), "true");
  assert.equal(again.headers.get("etag"), corrected.headers.get("etag"));
  assert.deepEqual(again.body, corrected.body);
  // The stored answer carries the notes: sealed at rest like every stored answer.
  for await (const entry of app.runtime.kv.list({ prefix: [] })) {
    assert.doesNotMatch(JSON.stringify(entry.value), /Rasayana-7Q2/, `in ${String(entry.key)}`);
  }

  // Nothing the refused requests asked for was announced or audited; the changes that were made
  // were, each once.
  await eventually(
    "the events of the changes made",
    () =>
      hooks.received.includes("appointment.no_show") &&
        hooks.received.includes("appointment.cancelled")
        ? true
        : undefined,
  );
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual([...hooks.received].sort(), [
    "appointment.cancelled",
    "appointment.completed",
    "appointment.no_show",
    "appointment.rescheduled",
  ]);
  const admin = await app.api.login(app.admin.phone, true);
  assert.deepEqual(await auditActions(app, admin, moving.id), [
    "appointment.book",
    "appointment.cancel",
    "appointment.reschedule",
  ]);
  assert.deepEqual(await auditActions(app, admin, visit.id), [
    "appointment.book",
    "appointment.complete",
    "appointment.notes_write",
    "appointment.notes_write",
    "appointment.outcome_correct",
  ]);
  assert.equal((await etagOf(app, doc, visit.id)).body.version, 4);
}

Deno.test("If-Match on appointment changes: ETag, stale 412 with nothing changed, *, 400, idempotent replay (KV records)", async () => {
  await preconditions({});
});

Deno.test("If-Match on appointment changes: ETag, stale 412 with nothing changed, *, 400, idempotent replay (MongoDB records)", async () => {
  const mongo = await startFerretDb();
  try {
    await preconditions(appEnv(mongo));
  } finally {
    await mongo.stop();
  }
});

/** Its doctor and an admin change the visit at once, both on the tag they read: one wins. */
async function raceOnOneTag(env: Record<string, string>) {
  const clock = { now: Date.now() };
  await using app = await startAppWithDoctor(env, () => clock.now);
  const { doctor, patient, slots } = app;
  const { appointment } = await book(app.api, patient, doctor.id, slots[0].start);
  clock.now = Date.parse(appointment.start) + 10 * 60_000;
  const doc = await app.api.login(doctor.phone, true);
  const admin = await app.api.login(app.admin.phone, true);
  const path = `/v1/appointments/${appointment.id}`;
  let expected = 1;
  // The mark, then (on a completed or no-show visit) the doctor's notes against the admin's
  // correction: each pair two real changes, so without If-Match both would be made.
  const rounds = [
    [{ status: "completed" }, { status: "no_show" }],
    [{ notes: "Vata; rest" }, undefined],
  ] as const;
  for (const [mine, theirs] of rounds) {
    const { etag, body } = await etagOf(app, doc, appointment.id);
    const flip = body.status === "completed" ? "no_show" : "completed";
    const answers = await Promise.all([
      send(app, doc, "PATCH", path, mine, { "If-Match": etag }),
      send(app, admin, "PATCH", path, theirs ?? { status: flip }, { "If-Match": etag }),
    ]);
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [200, 412], JSON.stringify(answers.map((a) => a.body)));
    const winner = answers.find((a) => a.status === 200)!;
    expected += 1;
    const stored = await etagOf(app, doc, appointment.id);
    assert.equal(stored.body.version, expected, "one change written");
    assert.equal(stored.body.status, winner.body.status);
    assert.equal(stored.body.notes, winner.body.notes);
    assert.equal(stored.etag, winner.headers.get("etag"));
  }
}

Deno.test("If-Match: of two outcome changes sent at once on the same ETag, one is made and the other is 412 (KV records)", async () => {
  await raceOnOneTag({});
});

Deno.test("If-Match: of two outcome changes sent at once on the same ETag, one is made and the other is 412 (MongoDB records)", async () => {
  const mongo = await startFerretDb();
  try {
    await raceOnOneTag(appEnv(mongo));
  } finally {
    await mongo.stop();
  }
});

Deno.test("If-Match: a change another instance lands between a PATCH's read and its commit makes the PATCH 412, not a correction (KV records)", async () => {
  const clock = { now: Date.now() };
  await using twins = await startTwinApps({}, () => clock.now);
  const { api } = twins.first;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const slot = (await firstSlots(api, doctor.id))[0];
  const { appointment } = await book(api, randomPhone(), doctor.id, slot.start);
  clock.now = Date.parse(appointment.start) + 10 * 60_000;
  const doc = await api.login(doctor.phone, true);
  const admin = await twins.second.api.loginAdmin();
  const path = `/v1/appointments/${appointment.id}`;
  const read = await api.request<Body>("GET", path, { token: doc.accessToken });
  const etag = read.headers.get("etag")!;

  // The doctor's commit step reads the record with the calendar (one getMany): just before
  // that read, the admin's mark on the other instance, made on the same tag, lands.
  const key = appointmentKey(appointment.id);
  let fired = false;
  let rival: ApiResponse<Body> | undefined;
  const unhook = aroundGetMany(async (keys, readEntries) => {
    if (!fired && keys.length > 1 && keys.some((k) => k[0] === key[0] && k[1] === key[1])) {
      fired = true;
      rival = await twins.second.api.request<Body>("PATCH", path, {
        token: admin.accessToken,
        body: { status: "completed" },
        headers: { "If-Match": etag },
      });
    }
    return await readEntries();
  });
  const mine = await api.request<Body>("PATCH", path, {
    token: doc.accessToken,
    body: { status: "no_show" },
    headers: { "If-Match": etag },
  }).finally(unhook);
  assert.ok(fired && rival, "the other instance changed the visit during the PATCH");
  assert.equal(rival.status, 200, JSON.stringify(rival.body));
  assertProblem(mine, 412, "precondition_failed");
  const stored = await api.request<Body>("GET", path, { token: doc.accessToken });
  assert.equal(stored.body.status, "completed");
  assert.equal(stored.body.version, 2);
});

Deno.test("If-Match: a 412 is not replayed to the retry that read the visit again and sends its new ETag with the same Idempotency-Key", async () => {
  const clock = { now: Date.now() };
  await using app = await startAppWithDoctor({}, () => clock.now);
  const { doctor, patient, slots } = app;
  const { appointment } = await book(app.api, patient, doctor.id, slots[0].start);
  // A cancel: a stale tag (412), then the current one with the same key cancels.
  const { appointment: later } = await book(app.api, patient, doctor.id, slots[3].start);
  const cancelPath = `/v1/appointments/${later.id}/cancel`;
  const cancelKey = { "Idempotency-Key": `cancel-${later.id}` };
  assertProblem(
    await send(app, patient, "POST", cancelPath, {}, {
      ...cancelKey,
      "If-Match": `"${later.id}.v7"`,
    }),
    412,
    "precondition_failed",
  );
  const current = await etagOf(app, patient, later.id);
  const cancelled = await send(app, patient, "POST", cancelPath, {}, {
    ...cancelKey,
    "If-Match": current.etag,
  });
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  assert.equal(cancelled.body.status, "cancelled");

  clock.now = Date.parse(appointment.start) + 10 * 60_000;
  const doc = await app.api.login(doctor.phone, true);
  const path = `/v1/appointments/${appointment.id}`;
  const opened = await etagOf(app, doc, appointment.id);
  const marked = await send(app, doc, "PATCH", path, { status: "completed" }, {
    "If-Match": opened.etag,
  });
  assert.equal(marked.status, 200, JSON.stringify(marked.body));

  // A stale tab corrects the outcome: 412. Its client reads the visit again, as the 412 asks,
  // and sends the same change (one intent, one key) on the tag it now has.
  const key = `correct-${appointment.id}`;
  const body = { status: "no_show" };
  const stale = await send(app, doc, "PATCH", path, body, {
    "If-Match": opened.etag,
    "Idempotency-Key": key,
  });
  assertProblem(stale, 412, "precondition_failed");
  const fresh = await etagOf(app, doc, appointment.id);
  const retried = await send(app, doc, "PATCH", path, body, {
    "If-Match": fresh.etag,
    "Idempotency-Key": key,
  });
  assert.equal(retried.status, 200, JSON.stringify(retried.body));
  assert.equal(retried.body.status, "no_show");
  assert.equal((await etagOf(app, doc, appointment.id)).body.status, "no_show");
  // Now done, a retry of it replays its answer.
  const again = await send(app, doc, "PATCH", path, body, {
    "If-Match": fresh.etag,
    "Idempotency-Key": key,
  });
  assert.equal(again.status, 200);
  assert.equal(again.headers.get("idempotent-replayed"), "true");
});

Deno.test("If-Match from a browser on another origin (CORS_ORIGINS): the preflight allows If-Match and the ETag is readable", async () => {
  const origin = "https://clinic.example";
  await using app = await startAppWithDoctor({ CORS_ORIGINS: origin });
  const { doctor, patient, slots } = app;
  const { appointment } = await book(app.api, patient, doctor.id, slots[2].start);
  const url = `http://vaidya.test/v1/appointments/${appointment.id}`;
  const preflight = await app.fetch(
    new Request(`${url}/cancel`, {
      method: "OPTIONS",
      headers: {
        Origin: origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,if-match",
      },
    }),
  );
  await preflight.body?.cancel();
  const allowed = (preflight.headers.get("access-control-allow-headers") ?? "").toLowerCase();
  assert.ok(allowed.split(/\s*,\s*/).includes("if-match"), `allowed: ${allowed}`);
  const read = await app.fetch(
    new Request(url, {
      headers: { Origin: origin, Authorization: `Bearer ${patient.accessToken}` },
    }),
  );
  assert.equal(read.status, 200);
  await read.body?.cancel();
  assert.ok(read.headers.get("etag"));
  const exposed = (read.headers.get("access-control-expose-headers") ?? "").toLowerCase();
  assert.ok(exposed.split(/\s*,\s*/).includes("etag"), `exposed: ${exposed}`);
});

Deno.test("If-None-Match from a browser on another origin (CORS_ORIGINS): the preflight allows it, so a kept visit revalidates to 304", async () => {
  const origin = "https://clinic.example";
  await using app = await startAppWithDoctor({ CORS_ORIGINS: origin });
  const { doctor, patient, slots } = app;
  const { appointment } = await book(app.api, patient, doctor.id, slots[2].start);
  const url = `http://vaidya.test/v1/appointments/${appointment.id}`;
  // The answer is no-store, so the browser's cache never revalidates it itself: the client sends
  // If-None-Match, which is no CORS-safelisted header, so the browser asks first.
  const preflight = await app.fetch(
    new Request(url, {
      method: "OPTIONS",
      headers: {
        Origin: origin,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization,if-none-match",
      },
    }),
  );
  await preflight.body?.cancel();
  const allowed = (preflight.headers.get("access-control-allow-headers") ?? "").toLowerCase();
  assert.ok(allowed.split(/\s*,\s*/).includes("if-none-match"), `allowed: ${allowed}`);
  const { etag } = await etagOf(app, patient, appointment.id);
  const again = await app.fetch(
    new Request(url, {
      headers: {
        Origin: origin,
        Authorization: `Bearer ${patient.accessToken}`,
        "If-None-Match": etag,
      },
    }),
  );
  await again.body?.cancel();
  assert.equal(again.status, 304);
  assert.equal(again.headers.get("access-control-allow-origin"), origin);
});

/** GET with If-None-Match: 304 for a current copy, 200 for a stale one, 404 for a foreign one. */
async function revalidation(env: Record<string, string>) {
  await using app = await startAppWithDoctor(env);
  const { doctor, patient, slots } = app;
  const { appointment } = await book(app.api, patient, doctor.id, slots[1].start);
  const path = `/v1/appointments/${appointment.id}`;
  const { etag, body } = await etagOf(app, patient, appointment.id);
  const read = (session: Session, ifNoneMatch: string) =>
    app.api.request<Body | string | null>("GET", path, {
      token: session.accessToken,
      headers: { "If-None-Match": ifNoneMatch },
    });

  const doc = await app.api.login(doctor.phone);
  for (
    const [who, condition] of [
      [patient, etag],
      [patient, `W/${etag}`],
      [patient, "*"],
      [patient, `"other", W/"x.v9",${etag}`],
      [doc, etag],
    ] as const
  ) {
    const res = await read(who, condition);
    assert.equal(res.status, 304, `${condition}: ${JSON.stringify(res.body)}`);
    assert.equal(res.headers.get("etag"), etag, "a 304 carries the ETag");
    assert.equal(res.headers.get("cache-control"), "no-store", "and stays out of shared caches");
    assert.ok(res.body === null || res.body === "", "no body");
    assert.equal(res.headers.get("content-type"), null);
  }
  for (const condition of [`"other", , ${etag}`, `, ${etag}`, `${etag} ,`, `,,W/${etag},,`]) {
    const res = await read(patient, condition);
    assert.equal(res.status, 304, `${condition}: empty list elements are ignored`);
  }
  for (const empty of [",", ", ,", " ,\t, "]) {
    const res = await read(patient, empty);
    assertProblem(res as ApiResponse<Body>, 400, "validation_failed");
  }
  const stale = await read(
    patient,
    `"${appointment.id}.v2", , "${otherIdThan(appointment.id)}.v1"`,
  );
  assert.equal(stale.status, 200);
  assert.deepEqual(stale.body, body, "a copy the client does not keep: the whole appointment");
  assert.equal(stale.headers.get("etag"), etag);

  // Another patient: a 404 whatever the condition names, as without it (nothing to tell them).
  const stranger = await app.api.login(randomPhone());
  for (const condition of [etag, "*"]) {
    const res = await read(stranger, condition);
    assertProblem(res as ApiResponse<Body>, 404, "not_found");
    assert.equal(res.headers.get("etag"), null);
  }
  assertProblem((await read(patient, `${etag};`)) as ApiResponse<Body>, 400, "validation_failed");

  // After a change the old tag is stale: the new appointment and its tag.
  const cancelled = await send(app, patient, "POST", `${path}/cancel`, {}, { "If-Match": etag });
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  const after = await read(patient, etag);
  assert.equal(after.status, 200);
  assert.equal((after.body as Body).status, "cancelled");
  assert.equal(after.headers.get("etag"), cancelled.headers.get("etag"));
  assert.equal((await read(patient, after.headers.get("etag")!)).status, 304);
}

Deno.test("If-None-Match on GET /v1/appointments/:id: 304 for a current copy, 200 for a stale one, 404 for another's (KV records)", async () => {
  await revalidation({});
});

Deno.test("If-None-Match on GET /v1/appointments/:id: 304 for a current copy, 200 for a stale one, 404 for another's (MongoDB records)", async () => {
  const mongo = await startFerretDb();
  try {
    await revalidation(appEnv(mongo));
  } finally {
    await mongo.stop();
  }
});

Deno.test("reschedule without If-Match: a doctor's note landing between its read and its commit is decided again, not a 409 (KV records)", async () => {
  await using twins = await startTwinApps();
  const { api } = twins.first;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const slots = await firstSlots(api, doctor.id);
  const patient = await api.login(randomPhone());
  const { appointment } = await book(api, patient, doctor.id, slots[0].start);
  const { holdId } = await holdSlot(api, patient, doctor.id, slots[3].start);
  const doc = await twins.second.api.login(doctor.phone, true);
  const path = `/v1/appointments/${appointment.id}`;

  // The move's commit step reads the record with the calendar (one getMany): just before that
  // read, the doctor's note on the other instance lands (a new version of the record).
  const key = appointmentKey(appointment.id);
  let fired = false;
  let noted: ApiResponse<Body> | undefined;
  const unhook = aroundGetMany(async (keys, readEntries) => {
    if (!fired && keys.length > 1 && keys.some((k) => k[0] === key[0] && k[1] === key[1])) {
      fired = true;
      noted = await twins.second.api.request<Body>("PATCH", path, {
        token: doc.accessToken,
        body: { notes: "Bring earlier reports" },
      });
    }
    return await readEntries();
  });
  const moved = await api.request<Body>("POST", `${path}/reschedule`, {
    token: patient.accessToken,
    body: { holdId },
  }).finally(unhook);
  assert.equal(noted?.status, 200, JSON.stringify(noted?.body));
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.equal(moved.body.start, slots[3].start);
  const stored = await twins.second.api.request<Body>("GET", path, { token: doc.accessToken });
  assert.equal(stored.body.start, slots[3].start);
  assert.equal(stored.body.notes, "Bring earlier reports", "the note that landed first stays");
});

Deno.test("reschedule without If-Match: another move landing between its read and its commit wins, and this one is a 409 (KV records)", async () => {
  await using twins = await startTwinApps();
  const { api } = twins.first;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const slots = await firstSlots(api, doctor.id);
  const patient = await api.login(randomPhone());
  const { appointment } = await book(api, patient, doctor.id, slots[0].start);
  const mineHold = await holdSlot(api, patient, doctor.id, slots[3].start);
  const theirHold = await holdSlot(twins.second.api, patient, doctor.id, slots[5].start);
  const path = `/v1/appointments/${appointment.id}`;

  const key = appointmentKey(appointment.id);
  let fired = false;
  let rival: ApiResponse<Body> | undefined;
  const unhook = aroundGetMany(async (keys, readEntries) => {
    if (!fired && keys.length > 1 && keys.some((k) => k[0] === key[0] && k[1] === key[1])) {
      fired = true;
      rival = await twins.second.api.request<Body>("POST", `${path}/reschedule`, {
        token: patient.accessToken,
        body: { holdId: theirHold.holdId },
      });
    }
    return await readEntries();
  });
  const mine = await api.request<Body>("POST", `${path}/reschedule`, {
    token: patient.accessToken,
    body: { holdId: mineHold.holdId },
  }).finally(unhook);
  assert.equal(rival?.status, 200, JSON.stringify(rival?.body));
  assertProblem(mine, 409, "version_conflict");
  const stored = await api.request<Body>("GET", path, { token: patient.accessToken });
  assert.equal(stored.body.start, slots[5].start, "the move that landed first stands");
});
