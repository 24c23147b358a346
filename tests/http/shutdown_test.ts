/**
 * Graceful shutdown of the real server process: on SIGTERM a request already in flight still
 * gets its 200, new connections are refused at once, the process exits 0 (not the 1 of the
 * SHUTDOWN_TIMEOUT_MS watchdog), and the KV file opens cleanly on restart with its data.
 */
import assert from "node:assert/strict";
import { Api, createDoctor } from "../_harness/api.ts";
import { eventually } from "../_harness/eventually.ts";
import { freePort } from "../_harness/ports.ts";
import { startServer } from "../_harness/server.ts";

const until = (what: string, check: () => boolean | Promise<boolean>) =>
  eventually(what, check, { timeoutMs: 6_000, intervalMs: 20 });

async function refusesConnections(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return false;
  } catch (err) {
    return err instanceof Deno.errors.ConnectionRefused;
  }
}

Deno.test("SIGTERM: in-flight request completes, new connections refused, exit 0", async () => {
  await using server = await startServer({ env: { SHUTDOWN_TIMEOUT_MS: "8000" } });
  const api = new Api(server.url);
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin);

  // A client of its own: a fresh connection, not one pooled by the requests above.
  using client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
  let slowDone = false;
  const slowResult = fetch(`${server.url}/v1/dev/sleep?ms=2500`, { client }).then(
    async (res) => ({ status: res.status, body: await res.json() as unknown }),
    (err) => ({ status: 0, body: String(err) as unknown }),
  ).finally(() => slowDone = true);
  await until("the slow request to start", () => server.logs().includes("dev sleep started"));
  const stopping = server.stop();
  await until("shutdown to begin", () => server.logs().includes("shutting down"));
  let refusedWhileInFlight = false;
  await until("the listener to close", async () => {
    const refused = await refusesConnections(server.port);
    if (refused && !slowDone) refusedWhileInFlight = true;
    return refused || slowDone;
  });

  const res = await slowResult;
  assert.equal(res.status, 200, "the in-flight request finished normally");
  assert.deepEqual(res.body, { sleptMs: 2500 });
  assert.ok(refusedWhileInFlight, "new connections were refused while a request was in flight");
  await stopping;
  assert.equal(server.exitStatus()?.code, 0, server.logs().slice(-2000));
  assert.match(server.logs(), /"msg":"stopped"/);
  assert.doesNotMatch(server.logs(), /shutdown took too long/);

  await server.restart();
  const again = new Api(server.url);
  const ready = await again.request<{ status: string }>("GET", "/readyz");
  assert.equal(ready.status, 200);
  const found = await again.request<{ id: string }>("GET", `/v1/doctors/${doctor.id}`);
  assert.equal(found.status, 200, "data written before shutdown survives the restart");
  assert.equal(found.body.id, doctor.id);
});

Deno.test("SIGTERM drains: /readyz 503 while still serving for DRAIN_DELAY_MS; metrics apart", async () => {
  const metricsPort = freePort();
  await using server = await startServer({
    env: { DRAIN_DELAY_MS: "1500", SHUTDOWN_TIMEOUT_MS: "8000", METRICS_PORT: String(metricsPort) },
  });
  const onMain = await fetch(`${server.url}/metrics`);
  await onMain.body?.cancel();
  assert.equal(onMain.status, 404, "no /metrics on the public port when METRICS_PORT is set");
  const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
  assert.match(metrics, /vaidya_http_request_duration_seconds_count\{[^}]*status="404"/);
  assert.equal((await fetch(`${server.url}/readyz`).then((r) => r.json())).status, "ready");

  const stopping = server.stop();
  await until("shutdown to begin", () => server.logs().includes("shutting down"));
  const ready = await fetch(`${server.url}/readyz`);
  const body = await ready.json() as { checks: Record<string, string> };
  assert.equal(ready.status, 503, "a draining instance is not ready");
  assert.equal(body.checks.draining, "unavailable");
  const served = await fetch(`${server.url}/v1/doctors`);
  await served.body?.cancel();
  assert.equal(served.status, 200, "requests are still served while draining");
  await stopping;
  assert.equal(server.exitStatus()?.code, 0, server.logs().slice(-2000));
  assert.ok(await refusesConnections(metricsPort), "the metrics listener closed too");
});

/** Sends a GET on `conn` (HTTP/1.1, keep-alive) and answers the response's head, lower-cased. */
async function headOver(conn: Deno.Conn, path: string): Promise<string> {
  await conn.write(new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: vaidya\r\n\r\n`));
  const buf = new Uint8Array(16_384);
  let text = "";
  while (!text.includes("\r\n\r\n")) {
    const n = await conn.read(buf);
    if (n === null) throw new Error(`connection closed before a response head: ${text}`);
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  return text.slice(0, text.indexOf("\r\n\r\n")).toLowerCase();
}

Deno.test("SIGTERM drains: answers carry Connection: close, so a proxy stops reusing its keepalive connections", async () => {
  await using server = await startServer({
    env: { DRAIN_DELAY_MS: "1500", SHUTDOWN_TIMEOUT_MS: "8000" },
  });
  // A keepalive connection opened before the signal, as nginx keeps them to every instance.
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  assert.doesNotMatch(await headOver(conn, "/healthz"), /^connection: close\r?$/m);

  const stopping = server.stop();
  await until("shutdown to begin", () => server.logs().includes("shutting down"));
  const head = await headOver(conn, "/healthz");
  assert.match(head, /^http\/1\.1 200/);
  // Without it nginx kept sending requests on this connection until the listener closed it,
  // and a POST it had just written there (no Idempotency-Key: never resent) got a 502.
  assert.match(head, /^connection: close\r?$/m);
  await stopping;
  assert.equal(server.exitStatus()?.code, 0, server.logs().slice(-2000));
});

Deno.test("the test-only sleep route is not mounted outside APP_ENV=test", async () => {
  await using server = await startServer({ env: { APP_ENV: "development" } });
  const res = await fetch(`${server.url}/v1/dev/sleep?ms=1`);
  await res.body?.cancel();
  assert.equal(res.status, 404);
});
