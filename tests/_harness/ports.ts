/** Ports `freePort` has handed out in this process. */
const handedOut = new Set<number>();

/**
 * A free TCP port on 127.0.0.1, found by binding port 0 and releasing it, and never one this
 * process was handed before: the kernel may offer a just-released port again, and two ports asked
 * for before either is bound (a server's and its metrics listener's) once came out the same.
 */
export function freePort(): number {
  for (;;) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

export const REPO_ROOT = new URL("../../", import.meta.url).pathname;
