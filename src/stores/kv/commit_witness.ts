/**
 * Tells, synchronously and without waking Deno KV's own thread, whether anything has committed to
 * a local KV file since an earlier moment: SQLite's `PRAGMA data_version`, read on a read-only
 * connection of our own to the file Deno KV keeps (its local store is a SQLite database). SQLite
 * changes that value for a connection whenever ANY other connection has committed since that
 * connection's last look: this process's Deno KV handle, or another process on the same file. Our
 * connection never writes, so every KV commit counts.
 *
 * The calendar version rounds (calendar_versions.ts) use it to skip the read of the calendar epoch
 * when nothing at all has committed since a round that read it: under read-only load (listings)
 * a round then costs ~4 µs of the main thread (the PRAGMA) instead of a KV read, whose wake-up of
 * Deno KV's SQLite thread stalled the main thread for 0.5–1.5 ms per round on two busy CPUs
 * (docs/BENCHMARKS.md, issue 15).
 *
 * Only for a file: not `:memory:` (one connection, nothing else can open it) nor a KV reached over
 * the network. `node:sqlite` is imported on the first `mark()`, not at start-up; until it has
 * loaded, and whenever the file cannot be opened or read (a permission, a busy lock), `mark()`
 * answers `undefined` and the caller reads the KV as it would without a witness.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { isKvFile } from "../../config/kv_location.ts";

export interface CommitWitness {
  /**
   * A value that stays the same for as long as nothing commits to the KV, and differs from every
   * earlier one once something has; `undefined` when it cannot tell (then assume a change).
   */
  mark(): number | undefined;
  close(): void;
}

/** A witness for the KV at `path` (as given to `Deno.openKv`), or undefined if it cannot have one. */
export function openCommitWitness(path: string | undefined): CommitWitness | undefined {
  if (!isKvFile(path)) return undefined;
  const file = path;
  let state: "idle" | "loading" | "open" | "off" | "closed" = "idle";
  let db: DatabaseSync | undefined;
  let query: StatementSync | undefined;

  function open() {
    state = "loading";
    import("node:sqlite").then(({ DatabaseSync }) => {
      if (state !== "loading") return;
      try {
        db = new DatabaseSync(file, { readOnly: true });
        query = db.prepare("PRAGMA data_version");
        query.get();
        state = "open";
      } catch {
        db?.close();
        state = "off";
      }
    }, () => {
      if (state === "loading") state = "off";
    });
  }

  return {
    mark() {
      if (state === "open") {
        try {
          return (query!.get() as { data_version: number }).data_version;
        } catch {
          return undefined;
        }
      }
      if (state === "idle") open();
      return undefined;
    },
    close() {
      if (state === "open") db!.close();
      state = "closed";
    },
  };
}
