/**
 * A client that sends its body a byte at a time (slowloris) must not hold a request open past the
 * time limit: the real server, a raw socket, one byte every 200 ms, and REQUEST_TIMEOUT_MS=1000.
 * The body is read by the body-size check before any handler, so that check must run inside the
 * time limit, whatever framing the body comes in (Content-Length or chunked).
 */
import assert from "node:assert/strict";
import { startServer } from "../_harness/server.ts";

const LIMIT_MS = 1000;
/** How long the slow client keeps dripping before it gives up waiting for an answer. */
const PATIENCE_MS = 6000;

/**
 * Sends `head`, then one of `drip` every 200 ms until the server answers (or PATIENCE_MS pass);
 * the answer's status line and how long it took.
 */
async function slowRequest(port: number, head: string, drip: string) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const encoder = new TextEncoder();
  let answer = "";
  const reading = (async () => {
    const buf = new Uint8Array(4096);
    try {
      for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
        answer += new TextDecoder().decode(buf.subarray(0, n));
      }
    } catch {
      // closed by us below
    }
  })();
  const started = Date.now();
  await conn.write(encoder.encode(head));
  while (!answer && Date.now() - started < PATIENCE_MS) {
    await new Promise((r) => setTimeout(r, 200));
    await conn.write(encoder.encode(drip)).catch(() => {});
  }
  const tookMs = Date.now() - started;
  conn.close();
  await reading;
  return { status: answer.split("\r\n")[0], tookMs };
}

Deno.test("a slow chunked body on the JSON API answers 503 timeout at REQUEST_TIMEOUT_MS", async () => {
  await using server = await startServer({ env: { REQUEST_TIMEOUT_MS: String(LIMIT_MS) } });
  const res = await slowRequest(
    server.port,
    "POST /v1/auth/otp HTTP/1.1\r\nHost: vaidya.test\r\nContent-Type: application/json\r\n" +
      "Transfer-Encoding: chunked\r\n\r\n1\r\n{\r\n",
    "1\r\n \r\n",
  );
  assert.match(res.status, / 503 /, `no answer after ${res.tookMs} ms: the request stayed open`);
  assert.ok(res.tookMs < LIMIT_MS + 1500, `answered after ${res.tookMs} ms`);
});

Deno.test("a slow Content-Length body on the JSON API answers 503 timeout at REQUEST_TIMEOUT_MS", async () => {
  await using server = await startServer({ env: { REQUEST_TIMEOUT_MS: String(LIMIT_MS) } });
  const res = await slowRequest(
    server.port,
    "POST /v1/auth/otp HTTP/1.1\r\nHost: vaidya.test\r\nContent-Type: application/json\r\n" +
      "Content-Length: 200\r\n\r\n{",
    " ",
  );
  assert.match(res.status, / 503 /, `no answer after ${res.tookMs} ms: the request stayed open`);
  assert.ok(res.tookMs < LIMIT_MS + 1500, `answered after ${res.tookMs} ms`);
});

Deno.test("a slow body on the booking and doctor pages and the Twilio callback answers 503 at REQUEST_TIMEOUT_MS", async (t) => {
  await using server = await startServer({ env: { REQUEST_TIMEOUT_MS: String(LIMIT_MS) } });
  for (const path of ["/book/login", "/doctor/login", "/webhooks/twilio/status"]) {
    await t.step(path, async () => {
      const res = await slowRequest(
        server.port,
        `POST ${path} HTTP/1.1\r\nHost: vaidya.test\r\n` +
          "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\nphone=",
        "1",
      );
      assert.match(
        res.status,
        / 503 /,
        `no answer after ${res.tookMs} ms: the request stayed open`,
      );
      assert.ok(res.tookMs < LIMIT_MS + 1500, `answered after ${res.tookMs} ms`);
    });
  }
});
