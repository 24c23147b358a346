import { withOwnMembers } from "./kv_members.ts";

/**
 * Strong `get`s asked together go out as one `getMany`. Each Deno KV call costs the main thread
 * ~56 µs however small (its op, its completion, the event loop's wake-up), and a `getMany` of 4
 * ~110 (docs/BENCHMARKS.md, issue 15): with 50 requests at once, many of their reads are asked in
 * the same turn of the event loop (one batch of answered ops resumes many handlers): in a full day
 * ~46% of the gets were asked beside another (the rest go alone, as before).
 *
 * - The gets asked before the microtasks of the current turn have run are sent together, up to 10
 *   keys (Deno KV's limit for one `getMany`); a tenth key sends its batch at once.
 * - A key asked twice in a batch is read twice: each caller gets an entry of its own, as from a
 *   get of its own, never an object another caller holds.
 * - A `getMany` reads every key at one snapshot, taken after each of its gets was asked, so each
 *   answer is at least as new as the same get sent alone: a read after a commit answered still
 *   sees it.
 * - Should the `getMany` fail, each get is sent alone, so a bad key fails only its own caller.
 * - Eventual gets are sent alone, as asked.
 */
export function batchedGet(reader: () => Deno.Kv): Deno.Kv["get"] {
  let batch: Waiting[] | null = null;

  const send = () => {
    const sending = batch;
    batch = null;
    // Null when a tenth key sent the batch already; a later batch this call finds goes out early,
    // and its own call then finds null.
    if (sending === null) return;
    try {
      const kv = reader();
      if (sending.length === 1) {
        const [one] = sending;
        kv.get(one.key).then(one.resolve, one.reject);
        return;
      }
      kv.getMany(sending.map((w) => w.key)).then(
        (entries) => sending.forEach((w, i) => w.resolve(entries[i])),
        () => {
          for (const w of sending) kv.get(w.key).then(w.resolve, w.reject);
        },
      );
    } catch (error) {
      // Deno KV's reads answer failures by rejecting; anything thrown here still reaches the
      // callers rather than the microtask queue.
      for (const w of sending) w.reject(error);
    }
  };

  return ((key: Deno.KvKey, options?: { consistency?: Deno.KvConsistencyLevel }) => {
    if (options?.consistency === "eventual") return reader().get(key, options);
    return new Promise<Deno.KvEntryMaybe<unknown>>((resolve, reject) => {
      if (batch === null) {
        batch = [];
        queueMicrotask(send);
      }
      batch.push({ key, resolve, reject });
      if (batch.length === MAX_KEYS) send();
    });
  }) as Deno.Kv["get"];
}

/** Keys one `getMany` may read (Deno KV's limit). */
const MAX_KEYS = 10;

interface Waiting {
  key: Deno.KvKey;
  resolve: (entry: Deno.KvEntryMaybe<unknown>) => void;
  reject: (error: unknown) => void;
}

/**
 * `kv` with its strong gets batched (`batchedGet`), for a `denokv` server: there each call is an
 * HTTP/2 request, and two sent together on one connection answered the second ~44 ms late (a
 * delayed ACK: docs/BENCHMARKS.md, issue 15, "cluster6"), so gets asked in one turn go as one
 * request. Every other member is `kv`'s own (kv_members.ts).
 */
export function withBatchedGets(kv: Deno.Kv): Deno.Kv {
  return withOwnMembers(kv, new Map([["get", batchedGet(() => kv)]]));
}
