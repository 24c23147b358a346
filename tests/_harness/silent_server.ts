/**
 * A TCP server on a free 127.0.0.1 port that accepts connections and reads them but never answers:
 * what a hung upstream looks like to a client with a deadline. `close()` stops it and closes every
 * connection it took.
 */
export interface SilentServer {
  port: number;
  close(): Promise<void>;
}

export function startSilentServer(): SilentServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      held.push(conn);
      conn.readable.pipeTo(new WritableStream()).catch(() => {});
    }
  })();
  return {
    port: listener.addr.port,
    async close() {
      listener.close();
      for (const conn of held) {
        try {
          conn.close();
        } catch {
          // already closed by the client's abort
        }
      }
      await accepting.catch(() => {});
    },
  };
}
