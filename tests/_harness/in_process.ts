/**
 * The in-process app of app.ts, also served on a free loopback port: for tests that need a real
 * URL (raw `fetch`, WebSockets, a browser, a callback from a fake provider). Tests that only use
 * the `Api` client take `startApp()` directly and skip the socket.
 */
import { Api } from "./api.ts";
import { type InProcessApp, startApp } from "./app.ts";

export async function startInProcess(env: Record<string, string> = {}): Promise<InProcessApp> {
  const app = await startApp(env);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  return {
    ...app,
    api: new Api(`http://127.0.0.1:${server.addr.port}`),
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      await app[Symbol.asyncDispose]();
    },
  };
}
