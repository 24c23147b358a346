/**
 * The load generator's keep-alive transport (scripts/load/loopback_fetch.ts) against real
 * servers on 127.0.0.1: Deno.serve for JSON both ways, chunked answers and connection reuse; a raw
 * Deno.listen server for what Deno.serve never does (answers split across writes,
 * `Connection: close`, a socket dropped before the answer, no answer at all).
 */
import assert from "node:assert/strict";
import { LoadClient } from "../../scripts/load/client.ts";
import { createLoopbackFetch, LoopbackRequest } from "../../scripts/load/loopback_fetch.ts";
import { Recorder } from "../../scripts/load/recorder.ts";

const enc = new TextEncoder();

/** A Deno.serve on a free loopback port; `handler` answers every request. */
function serve(handler: (req: Request) => Response | Promise<Response>) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  return { server, url: `http://127.0.0.1:${server.addr.port}` };
}

/** A raw TCP server: `onConn` gets each accepted socket and the request bytes read from it. */
function rawServer(onConn: (conn: Deno.TcpConn, request: string) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.TcpConn[] = [];
  const accepted = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        const buf = new Uint8Array(64 * 1024);
        for (;;) {
          const n = await conn.read(buf).catch(() => null);
          if (n === null) break;
          await onConn(conn, new TextDecoder().decode(buf.subarray(0, n)));
        }
      })().catch(() => {}); // the test closed the socket under a handler
    }
  })();
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed by the test */ }
      }
      await accepted.catch(() => {});
    },
  };
}

const post = (url: string, body: unknown, signal?: AbortSignal) =>
  new LoopbackRequest(url, {
    method: "POST",
    headers: new Headers({ "content-type": "application/json", authorization: "Bearer t1" }),
    body: JSON.stringify(body),
    signal,
  });

Deno.test("loopback fetch: JSON both ways, headers sent, status and headers read", async () => {
  const { server, url } = serve(async (req) => {
    const body = await req.json();
    return Response.json(
      {
        got: body,
        method: req.method,
        path: new URL(req.url).pathname + new URL(req.url).search,
        auth: req.headers.get("authorization"),
        type: req.headers.get("content-type"),
      },
      { status: 201, headers: { "x-trace": "abc" } },
    );
  });
  const t = createLoopbackFetch(url);
  try {
    const res = await t.fetch(post(`${url}/v1/holds?x=1`, { doctorId: "d1", note: "नमस्ते" }));
    assert.equal(res.status, 201);
    assert.equal(res.ok, true);
    assert.equal(res.headers.get("X-Trace"), "abc");
    assert.deepEqual(await res.json(), {
      got: { doctorId: "d1", note: "नमस्ते" },
      method: "POST",
      path: "/v1/holds?x=1",
      auth: "Bearer t1",
      type: "application/json",
    });
    // A standard Request works too and gets a standard Response.
    const std = await t.fetch(
      new Request(`${url}/echo`, { method: "POST", body: JSON.stringify([1, 2]) }),
    );
    assert.ok(std instanceof Response);
    assert.deepEqual((await std.json()).got, [1, 2]);
  } finally {
    t.close();
    await server.shutdown();
  }
});

Deno.test("loopback fetch: a chunked answer, split over reads and longer than the buffer", async () => {
  const big = "x".repeat(40_000);
  const { server, url } = serve(() => {
    const parts = ['{"a":', JSON.stringify(big), ',"b":', "[1,2,3]}"];
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        const next = parts.shift();
        if (next === undefined) return c.close();
        await new Promise((r) => setTimeout(r, 5));
        c.enqueue(enc.encode(next));
      },
    });
    return new Response(body, { headers: { "content-type": "application/json" } });
  });
  const t = createLoopbackFetch(url);
  try {
    for (let i = 0; i < 2; i++) {
      const res = await t.fetch(new LoopbackRequest(`${url}/stream`));
      assert.equal(res.headers.get("transfer-encoding"), "chunked");
      assert.equal(res.headers.get("content-length"), null);
      assert.deepEqual(await res.json(), { a: big, b: [1, 2, 3] });
    }
    assert.equal(t.opened, 1, "the chunked answer was read to its end and the link reused");
  } finally {
    t.close();
    await server.shutdown();
  }
});

Deno.test("loopback fetch: keep-alive, one connection per request in flight, reused", async () => {
  const { server, url } = serve(async (req) => {
    await new Promise((r) => setTimeout(r, 10));
    return Response.json({ path: new URL(req.url).pathname });
  });
  const t = createLoopbackFetch(url);
  try {
    for (let i = 0; i < 5; i++) {
      const res = await t.fetch(new LoopbackRequest(`${url}/seq/${i}`));
      assert.deepEqual(await res.json(), { path: `/seq/${i}` });
    }
    assert.equal(t.opened, 1);
    const three = () =>
      Promise.all([0, 1, 2].map(async (i) => {
        const res = await t.fetch(new LoopbackRequest(`${url}/par/${i}`));
        return ((await res.json()) as { path: string }).path;
      }));
    assert.deepEqual(await three(), ["/par/0", "/par/1", "/par/2"]);
    assert.equal(t.opened, 3, "two more for the two extra requests in flight");
    assert.deepEqual(await three(), ["/par/0", "/par/1", "/par/2"]);
    assert.equal(t.opened, 3, "all three reused");
  } finally {
    t.close();
    await server.shutdown();
  }
});

Deno.test("loopback fetch: an answer split across writes, then Connection: close", async () => {
  let n = 0;
  const raw = rawServer(async (conn) => {
    n++;
    const body = JSON.stringify({ n });
    await conn.write(enc.encode("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"));
    await new Promise((r) => setTimeout(r, 10));
    await conn.write(enc.encode(`connection: close\r\ncontent-length: ${body.length}\r\n\r\n`));
    await new Promise((r) => setTimeout(r, 10));
    await conn.write(enc.encode(body));
    conn.close();
  });
  const t = createLoopbackFetch(raw.url);
  try {
    const first = await t.fetch(new LoopbackRequest(`${raw.url}/a`));
    assert.deepEqual(await first.json(), { n: 1 });
    const second = await t.fetch(new LoopbackRequest(`${raw.url}/b`));
    assert.deepEqual(await second.json(), { n: 2 });
    assert.equal(t.opened, 2, "a link the server closes is not reused");
  } finally {
    t.close();
    await raw.close();
  }
});

Deno.test("loopback fetch: a pooled link the server closed while idle is replaced, once", async () => {
  let answers = 0;
  const raw = rawServer(async (conn) => {
    answers++;
    await conn.write(enc.encode(`HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n${answers}`));
    await new Promise((r) => setTimeout(r, 5));
    conn.close(); // keep-alive promised, then closed while idle (throws if the test closed it)
  });
  const t = createLoopbackFetch(raw.url);
  try {
    assert.equal(await (await t.fetch(new LoopbackRequest(`${raw.url}/a`))).text(), "1");
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await (await t.fetch(new LoopbackRequest(`${raw.url}/b`))).text(), "2");
    assert.equal(t.opened, 2, "the closed link was dropped and the request sent on a new one");
    assert.equal(answers, 2, "each request answered once");
  } finally {
    t.close();
    await raw.close();
  }
});

/** GET /v1/doctors through LoadClient and the typed client, optionally with a shorter deadline. */
const listDoctors = (client: LoadClient, signal?: AbortSignal) =>
  client.call("GET /v1/doctors", "tok", (api, init) =>
    api.GET("/v1/doctors", {
      params: { query: { limit: 1 } },
      ...init,
      ...(signal ? { signal } : {}),
    }));

Deno.test("loopback fetch: a socket dropped before the answer is a connection error", async () => {
  const raw = rawServer(async (conn, request) => {
    if (request.includes("/half")) {
      await conn.write(enc.encode('HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n{"cut"'));
    }
    conn.close();
  });
  const t = createLoopbackFetch(raw.url);
  const client = new LoadClient(raw.url, new Recorder());
  try {
    await assert.rejects(t.fetch(new LoopbackRequest(`${raw.url}/none`)), TypeError);
    await assert.rejects(t.fetch(new LoopbackRequest(`${raw.url}/half`)), TypeError);
    // Through the typed client, LoadClient reports it as it always has.
    assert.deepEqual(await listDoctors(client), {
      status: 0,
      body: null,
      code: "connection_error",
    });
  } finally {
    t.close();
    client.transport.close();
    await raw.close();
  }
});

Deno.test("loopback fetch: the request's signal times it out and the link is dropped", async () => {
  const raw = rawServer(() => new Promise(() => {})); // reads the request, never answers
  const t = createLoopbackFetch(raw.url);
  const client = new LoadClient(raw.url, new Recorder());
  try {
    const started = performance.now();
    await assert.rejects(
      t.fetch(post(`${raw.url}/slow`, {}, AbortSignal.timeout(100))),
      (err: unknown) => err instanceof DOMException && err.name === "TimeoutError",
    );
    assert.ok(performance.now() - started < 5_000);
    const res = await listDoctors(client, AbortSignal.timeout(100));
    assert.deepEqual(res, { status: 0, body: null, code: "timeout" });
  } finally {
    t.close();
    client.transport.close();
    await raw.close();
  }
});

Deno.test("loopback fetch: only http://127.0.0.1:PORT, and only URLs under it", async () => {
  assert.throws(() => createLoopbackFetch("http://localhost:8000"), Error);
  assert.throws(() => createLoopbackFetch("https://127.0.0.1:8000"), Error);
  const t = createLoopbackFetch("http://127.0.0.1:9");
  await assert.rejects(t.fetch(new LoopbackRequest("http://127.0.0.1:99/x")), TypeError);
  const r = new LoopbackRequest("http://127.0.0.1:9/x", { method: "post" });
  assert.equal(r.method, "POST");
  assert.throws(() => new LoopbackRequest("http://127.0.0.1:9/x", { body: new Uint8Array(1) }));
});
