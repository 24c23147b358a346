/**
 * Group commit for blind writes: mutations that check nothing (an event's done mark, a dev-outbox
 * message, a stored idempotent answer) from concurrent callers in this process go to KV together,
 * in one atomic commit, by one writer at a time. On a local SQLite file every commit waits for
 * its fsync (~0.8 ms here), and commits never overlap, so N such writes waiting behind a commit
 * pay one fsync instead of N. When nothing is in flight a write commits at once: it waits only
 * behind the commit already running.
 *
 * A caller's promise settles when the commit carrying its mutations has. A write that needs a
 * check must not come here: its failure would fail everybody's writes. Should a whole batch be
 * refused (too large), each write is committed on its own, so one bad write fails alone.
 */
import { commit } from "./kv_commit.ts";

/** Mutations per grouped commit: well below KV's 1000 mutations and 800 KiB per commit. */
const MAX_MUTATIONS = 200;

interface Pending {
  add: (op: Deno.AtomicOperation) => void;
  mutations: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface GroupCommit {
  /** Commits what `add` puts into an operation (`mutations` of them, no checks), with others'. */
  write(add: (op: Deno.AtomicOperation) => void, mutations: number): Promise<void>;
}

export function createGroupCommit(kv: Deno.Kv): GroupCommit {
  const queue: Pending[] = [];
  let writing = false;

  async function commitAlone(p: Pending) {
    try {
      const res = await commit(() => {
        const op = kv.atomic();
        p.add(op);
        return op;
      });
      if (!res.ok) throw new Error("A grouped KV write with no check was refused");
      p.resolve();
    } catch (err) {
      p.reject(err);
    }
  }

  async function drain() {
    writing = true;
    try {
      while (queue.length > 0) {
        const batch: Pending[] = [queue.shift()!];
        let mutations = batch[0].mutations;
        while (queue.length > 0 && mutations + queue[0].mutations <= MAX_MUTATIONS) {
          mutations += queue[0].mutations;
          batch.push(queue.shift()!);
        }
        if (batch.length === 1) {
          await commitAlone(batch[0]);
          continue;
        }
        try {
          const res = await commit(() => {
            const op = kv.atomic();
            for (const p of batch) p.add(op);
            return op;
          });
          if (!res.ok) throw new Error("A grouped KV write with no check was refused");
          for (const p of batch) p.resolve();
        } catch {
          for (const p of batch) await commitAlone(p);
        }
      }
    } finally {
      writing = false;
    }
  }

  return {
    write(add, mutations) {
      if (mutations < 1 || mutations > MAX_MUTATIONS) {
        throw new RangeError(
          `A grouped write carries 1..${MAX_MUTATIONS} mutations; found ${mutations}`,
        );
      }
      return new Promise<void>((resolve, reject) => {
        queue.push({ add, mutations, resolve, reject });
        if (!writing) void drain();
      });
    },
  };
}
