/**
 * Reads of a local KV file on a Deno KV handle of their own. Deno KV does all of one handle's
 * SQLite work on one thread, in the order asked: a `get` sent while a commit waits for its fsync
 * waits too, and each read adds its own time to the one thread every commit needs. A second handle
 * on the same file has a thread and a SQLite connection of its own; the file is in WAL mode, so
 * its reads run beside the first handle's commits and see every commit that has answered (a read
 * transaction starts at the newest commit). A probe of 50 callers each reading and committing
 * (docs/BENCHMARKS.md, issue 15, "reads on a handle of their own") did 40% more commits per second
 * with the reads on their own handle, with every read-back of a caller's own commit current.
 *
 * Only reads move: `get`, `getMany`, `list`. Commits (and `set`, `delete`, `watch`, queues) stay
 * on the writing handle, so this process still has one writer on the file and the group commit
 * (group_commit.ts) still sees every commit. Checks compare versionstamps, wherever they were read.
 * The reading handle writes nothing of ours; its own thread's housekeeping (deleting expired keys)
 * may meet the writer's lock, which SQLite's busy retry in Deno KV waits out.
 */
export function withReadHandle(writer: Deno.Kv, reader: Deno.Kv): Deno.Kv {
  const get = reader.get.bind(reader);
  const getMany = reader.getMany.bind(reader);
  const list = reader.list.bind(reader);
  const close = () => {
    try {
      reader.close();
    } finally {
      writer.close();
    }
  };
  const wrapped: Deno.Kv = new Proxy(writer, {
    get(target, prop) {
      switch (prop) {
        case "get":
          return get;
        case "getMany":
          return getMany;
        case "list":
          return list;
        case "close":
        case Symbol.dispose:
          return close;
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return wrapped;
}
