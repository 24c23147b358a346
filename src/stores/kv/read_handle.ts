import { batchedGet } from "./get_batch.ts";
import { withOwnMembers } from "./kv_members.ts";

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
 * on the writing handle, so this process still commits through one handle and the group commit
 * (group_commit.ts) still sees every commit. Checks compare versionstamps, wherever they were read.
 * The reading handle writes nothing of ours, but its thread, as every Deno KV handle's, deletes
 * lapsed keys (`expireIn`) in write transactions of its own, so even one process has two writers
 * on the file: that deletion waits for the writer's lock (the handle's reads wait behind it, up to
 * ~1 s in a probe that saturated the writer), and a commit of ours with checks that meets its
 * lock is refused with "database is locked" (SQLite does not wait once a transaction has read)
 * and retried by `commit()` (kv_commit.ts), as between two processes. Time, never exactness
 * (docs/BENCHMARKS.md, issue 15, review10). It opens after the writing one without holding up
 * start-up (a second open costs 1–5 ms here): reads before then, or always if it cannot open, go
 * to the writing handle, which answers them as it did alone; `onOpenFailed` hears of the latter.
 */
export function withReadHandle(
  writer: Deno.Kv,
  opening: Promise<Deno.Kv>,
  onOpenFailed: (error: unknown) => void = () => {},
): Deno.Kv {
  // Until the second handle has opened (off the start path: its open is not awaited), and for
  // good should it fail to open, reads stay on the writing handle, as on one handle.
  let reader = writer;
  let closed = false;
  opening.then((opened) => {
    if (closed) opened.close();
    else reader = opened;
  }, (error) => {
    if (!closed) onOpenFailed(error);
  });
  // Strong gets asked together go out as one getMany (get_batch.ts).
  const get = batchedGet(() => reader);
  const getMany =
    ((...args: Parameters<Deno.Kv["getMany"]>) => reader.getMany(...args)) as Deno.Kv["getMany"];
  const list: Deno.Kv["list"] = (...args) => reader.list(...args);
  const close = () => {
    closed = true;
    try {
      if (reader !== writer) reader.close();
    } finally {
      writer.close();
    }
  };
  // Everything else is the writing handle's.
  return withOwnMembers(
    writer,
    new Map<PropertyKey, unknown>([
      ["get", get],
      ["getMany", getMany],
      ["list", list],
      ["close", close],
      [Symbol.dispose, close],
    ]),
  );
}
