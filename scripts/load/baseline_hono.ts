/**
 * Baseline server for the load report: one bare Hono JSON route on 127.0.0.1:$PORT, no
 * middleware, so our endpoints can be reported as a ratio to the framework's own ceiling.
 */
import { Hono } from "hono";

const port = Number(Deno.env.get("PORT") ?? "8788");
const app = new Hono();
app.get("/", (c) => c.json({ ok: true }));
Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, app.fetch);
