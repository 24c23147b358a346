/**
 * Baseline server for the load report: a bare `Deno.serve` hello-world on 127.0.0.1:$PORT. It
 * exists only to measure the load generator and the runtime, so it must stay trivial.
 */
const port = Number(Deno.env.get("PORT") ?? "8787");
Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, () => new Response("hello"));
