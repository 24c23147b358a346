/**
 * A named mutex in MongoDB for the few writes that read, change and write back one shared document
 * (busy_index.ts). FerretDB applies every update that way itself (read, change in Go, write back,
 * nothing in between), so two concurrent updates of one document can lose one; a lock around them
 * makes that safe there and on MongoDB alike.
 *
 * Collection `locks`: `{_id: "<name>", token, acquiredAt: Date}`; the unique `_id` admits one holder.
 * A lock older than the lease is a crashed holder's: the next caller deletes it (by its token) and
 * takes it, so a holder must finish within the lease. The collection holds only the locks held right
 * now, so the token-filtered deletes (a scan on FerretDB) stay cheap.
 */
import type { Db } from "mongodb";
import { ServiceUnavailableError } from "../../errors.ts";
import { isDuplicateKey } from "./driver_errors.ts";

export interface LockDocument {
  _id: string;
  token: string;
  acquiredAt: Date;
}

export interface Locks {
  /** Runs `work` while holding the lock `name`; waits at most `waitMs` for it. */
  withLock<T>(name: string, work: () => Promise<T>): Promise<T>;
}

/**
 * The locks of a store whose claims have `claimGraceMs` grace: a holder must finish within the
 * claims' writer lease, half the grace, and waits as long. The servers and reconcile share this.
 */
export function createGraceLocks(db: Db, claimGraceMs: number): Locks {
  return createLocks(db, { leaseMs: claimGraceMs / 2, waitMs: claimGraceMs / 2 });
}

function createLocks(db: Db, options: { leaseMs: number; waitMs: number }): Locks {
  const locks = db.collection<LockDocument>("locks");

  async function acquire(name: string): Promise<string> {
    const token = crypto.randomUUID();
    const deadline = Date.now() + options.waitMs;
    for (let round = 0;; round++) {
      try {
        await locks.insertOne({ _id: name, token, acquiredAt: new Date() });
        return token;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const holder = await locks.findOne({ _id: name });
      if (holder && Date.now() - holder.acquiredAt.getTime() > options.leaseMs) {
        await locks.deleteOne({ _id: name, token: holder.token });
        continue;
      }
      if (Date.now() > deadline) {
        throw new ServiceUnavailableError(`Lock ${name} stayed taken for ${options.waitMs} ms`);
      }
      const pauseMs = Math.min(2 ** round, 20) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  return {
    async withLock(name, work) {
      const token = await acquire(name);
      try {
        return await work();
      } finally {
        // Lost to a network error, the lock lapses after the lease.
        await locks.deleteOne({ _id: name, token }).catch(() => {});
      }
    },
  };
}
