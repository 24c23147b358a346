/** A free TCP port on 127.0.0.1, found by binding port 0 and releasing it. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

export const REPO_ROOT = new URL("../../", import.meta.url).pathname;
