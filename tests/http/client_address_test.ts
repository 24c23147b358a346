/**
 * Issue 17 item 7 (and issue 14): per-client limits key on the client's address, taken from the
 * header named by TRUSTED_PROXY_HEADER when it is set (the one our own proxy writes) and from the
 * socket peer otherwise. Forwarding headers a client sends itself are ignored, and so is the
 * trusted one from a peer outside TRUSTED_PROXY_ADDRESSES (a client that reached an instance
 * around the proxy). The socket peer is checked over a real socket too (src/main.ts hands it to
 * the app with each request).
 */
import assert from "node:assert/strict";
import { randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";
import { startServer } from "../_harness/server.ts";
import { codeRequestFrom } from "../_harness/code_request_from.ts";

const LIMITS = { OTP_SENDS_PER_IP_PER_HOUR: "2", OTP_RESEND_COOLDOWN_SECONDS: "0" };

/** Statuses of one code request per header set, in order. */
async function codeRequests(env: Record<string, string>, headers: Record<string, string>[]) {
  await using app = await startApp({ ...LIMITS, ...env });
  const out: number[] = [];
  for (const h of headers) {
    const res = await app.api.request("POST", "/v1/auth/otp", {
      body: { phone: randomPhone() },
      headers: h,
    });
    out.push(res.status);
  }
  return out;
}

Deno.test("without TRUSTED_PROXY_HEADER, spoofed forwarding headers share the peer's budget", async () => {
  const statuses = await codeRequests({}, [
    { "x-real-ip": "203.0.113.1" },
    { "x-forwarded-for": "203.0.113.2" },
    { "fly-client-ip": "203.0.113.3", forwarded: "for=203.0.113.4" },
  ]);
  assert.deepEqual(statuses, [202, 202, 429]);
});

Deno.test("TRUSTED_PROXY_HEADER=X-Real-IP: each client address has its own budget", async () => {
  const statuses = await codeRequests({ TRUSTED_PROXY_HEADER: "X-Real-IP" }, [
    { "x-real-ip": "203.0.113.1" },
    { "x-real-ip": "203.0.113.2" },
    { "x-real-ip": "2001:db8::7" },
    { "x-real-ip": "203.0.113.1", "x-forwarded-for": "198.51.100.9" },
    { "x-real-ip": "203.0.113.1", "x-forwarded-for": "198.51.100.10" },
  ]);
  assert.deepEqual(statuses, [202, 202, 202, 202, 429], "other headers do not change the key");
});

Deno.test("TRUSTED_PROXY_HEADER=X-Forwarded-For: the entry our proxy appended (the last) counts", async () => {
  const statuses = await codeRequests({ TRUSTED_PROXY_HEADER: "X-Forwarded-For" }, [
    { "x-forwarded-for": "1.1.1.1, 203.0.113.1" },
    { "x-forwarded-for": "2.2.2.2, 203.0.113.1" },
    { "x-forwarded-for": "3.3.3.3, 203.0.113.1" },
  ]);
  assert.deepEqual(statuses, [202, 202, 429], "a client-chosen first entry is not a new budget");
});

Deno.test("a trusted header that is missing or not an address falls back to the peer", async () => {
  const statuses = await codeRequests({ TRUSTED_PROXY_HEADER: "Fly-Client-IP" }, [
    {},
    { "fly-client-ip": "not-an-ip" },
    { "fly-client-ip": "999.1.1.1" },
  ]);
  assert.deepEqual(statuses, [202, 202, 429]);
});

Deno.test("the real server keys the budget on each request's socket peer", async () => {
  await using server = await startServer({ env: LIMITS });
  // curl can send from another loopback address (127.0.0.2): a second peer on one machine.
  const statuses = [];
  for (const from of ["127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.2"]) {
    statuses.push(await codeRequestFrom(server.url, from));
  }
  assert.deepEqual(statuses, ["202", "202", "429", "202", "202"]);
});

Deno.test("the real server believes TRUSTED_PROXY_HEADER only from a peer in TRUSTED_PROXY_ADDRESSES", async () => {
  await using server = await startServer({
    env: { ...LIMITS, TRUSTED_PROXY_HEADER: "X-Real-IP", TRUSTED_PROXY_ADDRESSES: "127.0.0.1" },
  });
  const statuses = [];
  // A client around the proxy (127.0.0.2) forging a fresh address per request gets no fresh
  // budget: it is keyed on itself, and its third request is refused.
  for (const forged of ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) {
    statuses.push(await codeRequestFrom(server.url, "127.0.0.2", { "x-real-ip": forged }));
  }
  // Nor can it spend another client's budget: 198.51.100.7, through the proxy, still has its own.
  statuses.push(await codeRequestFrom(server.url, "127.0.0.2", { "x-real-ip": "198.51.100.7" }));
  // Through the proxy (127.0.0.1) the header is the client: three clients, three budgets...
  for (const client of ["198.51.100.7", "198.51.100.8", "198.51.100.9"]) {
    statuses.push(await codeRequestFrom(server.url, "127.0.0.1", { "x-real-ip": client }));
  }
  // ...and one client's budget is its own: 198.51.100.7's third request is refused.
  for (let i = 0; i < 2; i++) {
    statuses.push(await codeRequestFrom(server.url, "127.0.0.1", { "x-real-ip": "198.51.100.7" }));
  }
  assert.deepEqual(statuses, ["202", "202", "429", "429", "202", "202", "202", "202", "429"]);
  const ignored = server.logs().split("\n").filter((line) =>
    line.includes("TRUSTED_PROXY_HEADER ignored")
  );
  assert.equal(ignored.length, 1, "one warning for the first forged header, not one per request");
  assert.match(ignored[0], /127\.0\.0\.0\/24/, "the peer's network, for the operator");
  assert.doesNotMatch(ignored[0], /127\.0\.0\.2/, "the client's own address is not logged");
  assert.ok(!server.logs().includes("TRUSTED_PROXY_ADDRESSES unset"));
});

Deno.test("TRUSTED_PROXY_HEADER without TRUSTED_PROXY_ADDRESSES: believed from loopback, with a start-up warning", async () => {
  await using server = await startServer({ env: { ...LIMITS, TRUSTED_PROXY_HEADER: "X-Real-IP" } });
  assert.match(server.logs(), /TRUSTED_PROXY_ADDRESSES unset.*bypass per-client limits/);
  const statuses = [];
  for (const client of ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) {
    statuses.push(await codeRequestFrom(server.url, "127.0.0.2", { "x-real-ip": client }));
  }
  assert.deepEqual(statuses, ["202", "202", "202"], "127.0.0.2 is loopback: a trusted proxy");
});

Deno.test("TRUSTED_PROXY_HEADER without TRUSTED_PROXY_ADDRESSES: a public peer's header is ignored", async () => {
  // No public address can connect in a test, so the peer is handed to the in-process app.
  for (const peer of ["203.0.113.50", "::ffff:203.0.113.50", "2001:db8::50"]) {
    await using app = await startApp(
      { ...LIMITS, TRUSTED_PROXY_HEADER: "X-Real-IP" },
      undefined,
      peer,
    );
    const statuses = [];
    for (const forged of ["198.51.100.1", "198.51.100.2", "198.51.100.3"]) {
      const res = await app.api.request("POST", "/v1/auth/otp", {
        body: { phone: randomPhone() },
        headers: { "x-real-ip": forged },
      });
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [202, 202, 429], peer);
  }
  // The same from a private peer (a proxy on the container network): the header is the client.
  await using app = await startApp(
    { ...LIMITS, TRUSTED_PROXY_HEADER: "X-Real-IP" },
    undefined,
    "172.19.0.3",
  );
  const statuses = [];
  for (const client of ["198.51.100.1", "198.51.100.2", "198.51.100.3"]) {
    const res = await app.api.request("POST", "/v1/auth/otp", {
      body: { phone: randomPhone() },
      headers: { "x-real-ip": client },
    });
    statuses.push(res.status);
  }
  assert.deepEqual(statuses, [202, 202, 202]);
});

Deno.test("an IPv6 client is one budget per /64: rotating addresses inside its own prefix gets no fresh budget", async () => {
  // Anyone with an IPv6 prefix (every ISP and cloud host hands out at least a /64) can send from
  // 2^64 addresses; keyed by the whole address, each would be a new budget for code sends.
  const statuses = await codeRequests({ TRUSTED_PROXY_HEADER: "X-Real-IP" }, [
    { "x-real-ip": "2001:db8:1:2::1" },
    { "x-real-ip": "2001:db8:1:2:ffff:ffff:ffff:fffe" },
    { "x-real-ip": "2001:DB8:1:2:0:0:0:7" },
    { "x-real-ip": "2001:db8:1:3::1" },
    { "x-real-ip": "::ffff:203.0.113.9" },
    { "x-real-ip": "::ffff:203.0.113.10" },
  ]);
  assert.deepEqual(
    statuses,
    [202, 202, 429, 202, 202, 202],
    "one /64 shares a budget; another /64 and IPv4 clients (mapped or not) each have their own",
  );
});
