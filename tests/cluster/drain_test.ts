/**
 * One instance stopped (SIGTERM) behind nginx while clients keep sending requests: reads, holds
 * with an `Idempotency-Key` and their release, and slow requests already in flight on it. An
 * operator restarts instances this way on every deploy, so no client may see a 5xx for it: what
 * the stopping instance already took it finishes, and what it can no longer take nginx sends to
 * another instance.
 */
import assert from "node:assert/strict";
import { Api, createDoctor, dateInDays, firstSlots, loginMany } from "../_harness/api.ts";
import { startCluster } from "../_harness/cluster.ts";
import { eventually } from "../_harness/eventually.ts";
import { startNginx } from "../_harness/nginx.ts";
import { startServer } from "../_harness/server.ts";

Deno.test({
  name: "cluster: a rolling restart (SIGTERM) under steady traffic through nginx fails no request",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using cluster = await startCluster({
      instances: 3,
      env: { RATE_LIMIT_DISABLED: "true", SHUTDOWN_TIMEOUT_MS: "20000" },
    });
    const api = new Api(cluster.url);
    const admin = await api.loginAdmin();
    const WORKERS = 16;
    // A doctor of its own per worker: the test is about draining. Sixteen patients racing for one
    // doctor's calendar from three instances is another matter (one instance can lose every retry
    // of its calendar commit for seconds; docs/BENCHMARKS.md, round 7), and made this fail 1 in 4.
    const doctors = await Promise.all(
      Array.from(
        { length: WORKERS },
        () => createDoctor(api, admin, {}, { start: "00:00", end: "23:30" }),
      ),
    );
    const slots = await Promise.all(doctors.map((d) => firstSlots(api, d.id, dateInDays(3))));
    assert.ok(slots.every((s) => s.length > 0));
    const patients = await loginMany([api], WORKERS);

    const failures: string[] = [];
    const answers: Record<string, number> = {};
    const note = (what: string, status: number, detail = "") => {
      const kind = `${what} ${status}`;
      answers[kind] = (answers[kind] ?? 0) + 1;
      if (status === 0 || status >= 500) failures.push(`${kind} ${detail}`.trim());
    };
    const send = async (
      what: string,
      method: string,
      path: string,
      options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
    ) => {
      try {
        const res = await api.request<Record<string, unknown>>(method, path, options);
        note(what, res.status, res.status >= 500 ? JSON.stringify(res.body).slice(0, 120) : "");
        return res;
      } catch (err) {
        note(what, 0, String(err));
        return null;
      }
    };

    // Bounded in count and time: each worker stops at `done`, after 1000 rounds or after 60 s.
    let done = false;
    const until = Date.now() + 60_000;
    const worker = async (n: number) => {
      const { session } = patients[n];
      for (let round = 0; round < 1000 && !done && Date.now() < until; round++) {
        await send("GET doctors", "GET", "/v1/doctors?limit=5");
        const held = await send("POST hold", "POST", "/v1/holds", {
          token: session.accessToken,
          body: { doctorId: doctors[n].id, start: slots[n][0].start },
          headers: { "Idempotency-Key": crypto.randomUUID() },
        });
        if (held?.status === 201) {
          await send("DELETE hold", "DELETE", `/v1/holds/${held.body.id}`, {
            token: session.accessToken,
          });
        }
      }
    };
    const traffic = Array.from({ length: WORKERS }, (_, n) => worker(n));

    // Each instance in turn (a rolling restart), with slow requests in flight on every instance
    // when it is told to stop.
    const slow: Promise<unknown>[] = [];
    for (const instance of cluster.instances) {
      const started = instance.logs().split("dev sleep started").length;
      for (let i = 0; i < 6; i++) slow.push(send("GET sleep", "GET", "/v1/dev/sleep?ms=1500"));
      await eventually(
        "a slow request to start on the instance to stop",
        () => instance.logs().split("dev sleep started").length > started,
        { timeoutMs: 5_000, intervalMs: 20 },
      );
      await instance.stop();
      assert.equal(instance.server.exitStatus()?.code, 0, instance.logs().slice(-2000));
      await instance.restart();
    }
    // Traffic goes on a while after the instance is gone, then stops.
    await new Promise((r) => setTimeout(r, 1_000));
    done = true;
    await Promise.all([...traffic, ...slow]);

    assert.ok((answers["POST hold 201"] ?? 0) > 50, JSON.stringify(answers));
    const why = failures.length > 0 ? await cluster.nginx!.errorLog() : "";
    assert.deepEqual(failures, [], `${JSON.stringify(answers)}\n${why.slice(-3000)}`);
  },
});

/**
 * An upstream that reads each request and closes the connection without answering, as an
 * instance does to a request nginx wrote on a keepalive connection it was closing.
 */
function startClosingUpstream() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let seen = 0;
  const serving = (async () => {
    for await (const conn of listener) {
      seen++;
      conn.read(new Uint8Array(16_384)).finally(() => conn.close()).catch(() => {});
    }
  })().catch(() => {});
  return {
    address: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    seen: () => seen,
    async close() {
      listener.close();
      await serving;
    },
  };
}

Deno.test({
  name: "nginx resends a POST that reached a closing instance only with a key the route honours",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using server = await startServer({ env: { LOG_LEVEL: "warn" } });
    const closing = startClosingUpstream();
    const nginx = await startNginx([closing.address, `127.0.0.1:${server.port}`]);
    try {
      const post = async (path: string, key?: string) => {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (key) headers["idempotency-key"] = key;
        const res = await fetch(`${nginx.url}${path}`, { method: "POST", headers, body: "{}" });
        await res.body?.cancel();
        return res.status;
      };
      const tally = async (path: string, key?: () => string) => {
        const counts: Record<number, number> = {};
        for (let i = 0; i < 6; i++) {
          const status = await post(path, key?.());
          counts[status] = (counts[status] ?? 0) + 1;
        }
        return counts;
      };
      const keyed = () => crypto.randomUUID();
      // The app's own 401 (no token): every keyed request reached the real instance.
      assert.deepEqual(await tally("/v1/holds", keyed), { 401: 6 });
      assert.deepEqual(await tally("/v1/holds/hld_x/confirm", keyed), { 401: 6 });
      assert.deepEqual(await tally("/v1/admin/doctors", keyed), { 401: 6 });
      // Without a key, or on a route that does not honour one, it is never sent twice.
      assert.equal((await tally("/v1/holds"))[502], 3);
      assert.equal((await tally("/v1/auth/refresh", keyed))[502], 3);
      assert.ok(closing.seen() >= 15, `the closing upstream took its turns (${closing.seen()})`);
    } finally {
      await nginx.stop();
      await closing.close();
    }
  },
});
