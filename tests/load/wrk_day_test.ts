/**
 * The full day driven by wrk (scripts/load/wrk_day.ts and booking_day.lua): flags, the thread
 * files' format, a hold answered 503 sent again with its key (against a small scripted server that
 * counts what wrk sends), and a real run against the app checked from the store. Correctness only;
 * the timings belong to `deno task load --generator wrk` and docs/BENCHMARKS.md.
 */
import assert from "node:assert/strict";
import { DEFAULT_OPTIONS, parseLoadArgs } from "../../scripts/load/options.ts";
import { Recorder } from "../../scripts/load/recorder.ts";
import { runLoad } from "../../scripts/load/run.ts";
import { parseThreadFile, runWrkDay, wrkDayConfig } from "../../scripts/load/wrk_day.ts";

Deno.test("parseLoadArgs() takes --generator deno or wrk; wrk drives only the single-server day", () => {
  assert.equal(parseLoadArgs([])?.generator, "deno");
  assert.equal(parseLoadArgs(["--generator", "wrk"])?.generator, "wrk");
  assert.throws(() => parseLoadArgs(["--generator", "curl"]), RangeError);
  assert.throws(() => parseLoadArgs(["--generator", "wrk", "--faults"]), RangeError);
  assert.throws(() => parseLoadArgs(["--generator", "wrk", "--instances", "2"]), RangeError);
  assert.throws(() => parseLoadArgs(["--generator", "wrk", "--generators", "3"]), RangeError);
  assert.throws(() => parseLoadArgs(["--generator", "wrk", "--generator-nice", "5"]), RangeError);
  assert.equal(parseLoadArgs(["--generator", "deno", "--generators", "3"])?.generators, 3);
});

Deno.test("parseThreadFile() reads a thread's samples, confirms and counters", () => {
  const t = parseThreadFile(
    [
      "S\tPOST /v1/holds\t201\t12.500\t",
      "S\tPOST /v1/holds\t409\t3.250\tslot_unavailable",
      "C\tA1\tD1\tP1\t2026-12-04T03:30:00.000Z\t2026-12-04T04:00:00.000Z",
      "T\t3\t1\t2",
      "",
    ].join("\n"),
  );
  assert.deepEqual(t.samples, [
    { endpoint: "POST /v1/holds", status: 201, ms: 12.5, code: null },
    { endpoint: "POST /v1/holds", status: 409, ms: 3.25, code: "slot_unavailable" },
  ]);
  assert.deepEqual(t.confirmed, [{
    id: "A1",
    doctorId: "D1",
    patientId: "P1",
    start: "2026-12-04T03:30:00.000Z",
    end: "2026-12-04T04:00:00.000Z",
  }]);
  assert.deepEqual([t.attempts, t.holdConflicts, t.resent], [3, 1, 2]);
});

Deno.test("wrkDayConfig() refuses doctors of several time zones (the days are computed once)", () => {
  const phase = {
    doctors: [{ id: "a", timezone: "Asia/Kolkata" }, { id: "b", timezone: "Europe/London" }],
    target: 2,
    concurrency: 1,
    deadlineMs: Date.now() + 10_000,
    salt: 1,
    days: 1,
    bookingsPerPatient: 5,
  };
  assert.throws(() => wrkDayConfig(phase, 1, "/tmp"), RangeError);
});

/** A scripted stand-in for the booking API that answers the first hold 503 and keeps the keys. */
function scriptedServer() {
  const holdKeys: string[] = [];
  const confirms: string[] = [];
  let holds = 0;
  const code = "123456";
  const json = (body: unknown, status = 200) => Response.json(body, { status });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const body = req.method === "POST" ? await req.json() : null;
    if (url.pathname === "/v1/auth/otp") return json({ sent: true }, 202);
    if (url.pathname === "/v1/dev/outbox") {
      return json({ messages: [{ to: url.searchParams.get("to"), body: "b", code }] });
    }
    if (url.pathname === "/v1/auth/verify") {
      return body.code === code ? json({ accessToken: "t0k", user: { id: "P1" } }) : json({}, 401);
    }
    if (url.pathname.endsWith("/slots")) {
      return json({
        doctorId: "D1",
        slots: [{ start: "2026-12-04T03:30:00.000Z", end: "2026-12-04T04:00:00.000Z" }],
      });
    }
    if (url.pathname === "/v1/holds") {
      holdKeys.push(req.headers.get("idempotency-key") ?? "");
      if (++holds === 1) return json({ code: "store_unavailable" }, 503);
      return json({ id: `H${holds}`, doctorId: body.doctorId, start: body.start }, 201);
    }
    const confirm = /^\/v1\/holds\/([^/]+)\/confirm$/.exec(url.pathname);
    if (confirm && body.code === code && req.headers.get("authorization") === "Bearer t0k") {
      confirms.push(confirm[1]);
      return json({
        appointment: {
          id: `A${confirms.length}`,
          doctorId: "D1",
          patientId: "P1",
          start: "2026-12-04T03:30:00.000Z",
          end: "2026-12-04T04:00:00.000Z",
        },
      }, 201);
    }
    return json({ code: "not_found" }, 404);
  });
  return { server, holdKeys, confirms };
}

Deno.test("the wrk day sends a hold answered 503 again with the same Idempotency-Key", async () => {
  const { server, holdKeys, confirms } = scriptedServer();
  try {
    const recorder = new Recorder();
    let progress = 0;
    const result = await runWrkDay(`http://127.0.0.1:${server.addr.port}`, {
      doctors: [{ id: "D1", timezone: "Asia/Kolkata" }],
      target: 2,
      concurrency: 1,
      deadlineMs: Date.now() + 20_000,
      salt: 7,
      days: 1,
      bookingsPerPatient: 5,
      onConfirmed: (n) => progress = n,
    }, recorder);
    assert.equal(result.confirmed.length, 2);
    assert.equal(progress, 2);
    assert.deepEqual(result.confirmed.map((c) => c.id), ["A1", "A2"]);
    assert.deepEqual(confirms, ["H2", "H3"], "each hold confirmed with its own id");
    assert.equal(holdKeys.length, 3);
    assert.equal(holdKeys[0], holdKeys[1], "the 503'd hold went again with its key");
    assert.notEqual(holdKeys[1], holdKeys[2], "the next booking has a key of its own");
    assert.match(holdKeys[0], /^[0-9a-f-]{36}$/);
    assert.equal(result.retriedAfterConnectionError, 1);
    assert.equal(result.attempts, 2);
    const holdsSeen = recorder.samples.filter((s) => s.endpoint === "POST /v1/holds");
    assert.deepEqual(holdsSeen.map((s) => [s.status, s.code]), [
      [503, "store_unavailable"],
      [201, null],
      [201, null],
    ]);
    assert.ok(recorder.samples.every((s) => s.ms >= 0 && s.ms < 20_000));
    assert.equal(result.cpuSeconds.length, 1);
  } finally {
    await server.shutdown();
  }
});

Deno.test({
  name: "runLoad() with --generator wrk books the day through the app, every 201 in the store",
  // The harness keeps pooled loopback connections and child-process pipes across steps.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "vaidya-load-wrk-" });
    try {
      const r = await runLoad({
        ...DEFAULT_OPTIONS,
        generator: "wrk",
        doctors: 20,
        bookings: 120,
        concurrency: 8,
        out,
        maxSeconds: 120,
        hotClients: 20,
        hotSlots: 2,
        listConcurrency: 10,
        listRequests: 50,
        baseline: false,
        settleSeconds: 0,
        quiet: true,
      });
      assert.equal(r.booking.generator, "wrk");
      assert.equal(r.booking.confirmed, 120);
      assert.equal(r.booking.stats.status5xx, 0, JSON.stringify(r.booking.stats.errors));
      const confirms = r.booking.stats.endpoints.find((e) =>
        e.endpoint === "POST /v1/holds/:id/confirm"
      );
      assert.equal(confirms?.ok, 120);
      for (
        const endpoint of ["POST /v1/auth/otp", "POST /v1/auth/verify", "GET /v1/dev/outbox"]
      ) {
        assert.ok(r.booking.stats.endpoints.some((e) => e.endpoint === endpoint && e.ok > 0));
      }
      // 8 patients, 5 bookings each before a new login: at least 24 logins for 120 bookings.
      const logins = r.booking.stats.endpoints.find((e) => e.endpoint === "POST /v1/auth/verify");
      assert.ok((logins?.ok ?? 0) >= 24, JSON.stringify(logins));
      assert.ok(r.booking.attempts >= 120);
      assert.equal(r.booking.generatorCpuSeconds.length, 1);
      assert.ok(r.booking.generatorCpuSeconds[0] > 0);
      assert.deepEqual(r.verify.overlaps, []);
      assert.deepEqual(r.verify.missing, [], "every 201 confirm is in the store");
      assert.equal(r.verify.confirmedByClients, 122);
      assert.ok(r.ok);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
