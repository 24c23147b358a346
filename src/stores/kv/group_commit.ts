/**
 * Group commit: the atomic operations of concurrent callers in this process go to KV together, in
 * one commit, by one writer at a time. On a local SQLite file every commit waits for its fsync
 * (~0.8 ms here) and commits never overlap, so N operations waiting behind a commit pay one fsync
 * instead of N. When nothing is in flight an operation commits at once: it waits only behind the
 * commit already running; under load (the last drain shared a commit, moments ago) it first waits
 * one timer tick (~1–2 ms) for the operations of other requests in flight, so commits are fewer
 * and larger.
 *
 * An operation may carry checks (`commit`) or none (`write`). Operations share a commit only when
 * none of them checks a key that another one writes: then the checks of each are evaluated on
 * exactly what it read, and the shared commit is what committing them one after the other would
 * have done (keys written by several end as the last one set them, as for concurrent callers
 * committing on their own; a change mark such as the calendar epoch, `setChangeMark`, is set
 * once). A later operation that touches such a key waits for the next commit. Should a shared
 * commit be refused (a check failed: on a shared `denokv`, typically a key another instance moved),
 * the checked keys are read back: the operations whose checks no longer hold are refused, as their
 * own commits would have been, and the others commit together again, so one stale check costs
 * them one more commit. Should the read find none (or fail, or the commit have been too large),
 * the operations go again in halves, down to one, about log2(N) commits. A check
 * that several operations of one commit make alike (one key at one versionstamp, such as the
 * webhook presence mark of every change that leaves its fan-out out) is sent and counted once.
 *
 * One queue per KV handle (`groupCommitOf`): every store of the process that writes through the
 * same handle shares it.
 *
 * On denokv's SQLite (a file or a `denokv` server) a set that names no expiry can be stored with
 * one a millennium away (`lastingExpireInMs`): SQLite keeps an index of every row by its expiry,
 * and a row without one sits there at -1, ordered by its key, so each set of a key in a random
 * place (a doctor's or a patient's index entry, a calendar) rewrites an index page of its own;
 * expiries that follow the clock all go to the index's end. A denokv server then wrote 12% fewer
 * bytes per booking (docs/BENCHMARKS.md, issue 15). Nothing reads a row's expiry back.
 */
import { ServiceUnavailableError } from "../../errors.ts";
import { commit, getManyChunked } from "./kv_commit.ts";

/** Mutations per shared commit: well below KV's 1000 mutations and 800 KiB per commit. */
const MAX_MUTATIONS = 400;
/**
 * Compare-and-set keys whose last write this queue remembers (see `known`). An operation it
 * catches waited behind the write that outdated its check: over a full day of `deno task load`
 * (44,500 keys remembered, 1,559 operations caught, most in the hot-slot race) the oldest key one
 * needed was 57 writes back. 20,000 kept ~3.3 MB of key ids alive after the day for nothing
 * (docs/BENCHMARKS.md, issue 15, RSS).
 */
export const MAX_KNOWN = 4_096;
/** A drain that shared a commit this recently means load: the next one waits a tick first. */
const UNDER_LOAD_WITHIN_MS = 10;
/** Checks per shared commit: what a `denokv` server accepts (a local SQLite file takes 100). */
const DEFAULT_MAX_CHECKS = 10;

type Result = Deno.KvCommitResult | Deno.KvCommitError;
type SetOptions = { expireIn?: number };

/** A `set` (with its value) or a `delete` an operation made, in order (`writesOf`). */
export type RecordedWrite =
  | { key: Deno.KvKey; deleted: false; value: unknown }
  | { key: Deno.KvKey; deleted: true };

interface Pending {
  op: RecordedOperation;
  resolve: (res: Result) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommit {
  /**
   * Commits what `build` puts into an operation (checks included), possibly with other callers'
   * operations, and answers as a commit of that operation alone would have.
   */
  commit(build: (op: Deno.AtomicOperation) => Deno.AtomicOperation): Promise<Result>;
  /** Commits what `add` puts into an operation (`mutations` of them, no checks), with others'. */
  write(add: (op: Deno.AtomicOperation) => void, mutations: number): Promise<void>;
}

export interface GroupCommitOptions {
  /** Checks one commit may carry: 10 (the default) for `denokv`, 100 for a local file. */
  maxChecks?: number;
  /** The expiry given to a set that names none (see the header); none by default. */
  lastingExpireInMs?: number;
}

/** ~1,000 years: an expiry that only orders a lasting row in SQLite's expiry index. */
export const LASTING_EXPIRE_IN_MS = 1000 * 365 * 86_400_000;

/**
 * A key as a string: each part tagged by its type, strings length-prefixed. Equal keys always get
 * the same id, which is what conflict detection needs; two different keys sharing one (a number's
 * -0 and 0) would only make an operation wait for the next commit.
 */
function keyId(key: Deno.KvKey): string {
  let id = "";
  for (const part of key) {
    switch (typeof part) {
      case "string":
        id += `s${part.length}:${part}`;
        break;
      case "number":
        id += `n${part};`;
        break;
      case "bigint":
        id += `b${part};`;
        break;
      case "boolean":
        id += part ? "t" : "f";
        break;
      default:
        id += `u${(part as Uint8Array).join(",")};`;
    }
  }
  return id;
}

/**
 * The key spaces (first key parts) that some operation of a queue checks: a conflict or a
 * compare-and-set key only ever lies in one of them, so an operation's written keys outside them
 * need no key id (computing one per written key was the group commit's largest cost on a confirm:
 * docs/BENCHMARKS.md, issue 15). Spaces are only ever added; `epoch` counts the additions, so a
 * written-key set computed under an older epoch is computed again.
 */
class CheckedSpaces {
  readonly #spaces = new Set<Deno.KvKeyPart>();
  epoch = 0;
  add(key: Deno.KvKey) {
    if (this.#spaces.has(key[0])) return;
    this.#spaces.add(key[0]);
    this.epoch++;
  }
  /** Whether a key written in `key`'s space may be one some operation checks. */
  mayBeChecked(key: Deno.KvKey) {
    // A byte-array part is never equal to another array by identity: always take its id.
    return key[0] instanceof Uint8Array || this.#spaces.has(key[0]);
  }
}

/**
 * An atomic operation recorded rather than sent: the keys it checks and writes, and a replay of
 * its calls onto a real operation.
 */
class RecordedOperation implements Deno.AtomicOperation {
  readonly checked = new Set<string>();
  /** Each check as "key id@versionstamp" (a check made twice alike counts once). */
  readonly checkIds = new Set<string>();
  /**
   * Each check once, with its key's id: the spaces the queue learns (CheckedSpaces), the
   * versionstamps `outdated` compares, and what a refused shared commit reads back (`staleIn`).
   */
  readonly checkList: [string, Deno.AtomicCheck][] = [];
  readonly writes: RecordedWrite[] = [];
  mutations = 0;
  /** Every key a mutation of this operation touches, in order. */
  readonly #writtenKeys: Deno.KvKey[] = [];
  #written?: { epoch: number; ids: Set<string> };
  /** The calls to replay; a check is recorded by its id, to be sent once per commit. */
  readonly #calls: (((op: Deno.AtomicOperation) => void) | [string, Deno.AtomicCheck])[] = [];
  /** Change marks (`setChangeMark`) by key id: each set once per commit, after the calls. */
  readonly #marks = new Map<string, Deno.KvKey>();
  /** The options of a set that names no expiry (the queue's `lastingExpireInMs`). */
  readonly #lasting?: SetOptions;

  constructor(lasting?: SetOptions) {
    this.#lasting = lasting;
  }

  check(...checks: Deno.AtomicCheck[]): this {
    for (const c of checks) {
      const id = keyId(c.key);
      this.checked.add(id);
      const checkId = `${id}@${c.versionstamp}`;
      if (this.checkIds.has(checkId)) continue;
      this.checkIds.add(checkId);
      this.checkList.push([id, c]);
      this.#calls.push([checkId, c]);
    }
    return this;
  }
  /** The checks this operation sends (each alike check once). */
  get checks(): number {
    return this.checkIds.size;
  }
  /**
   * The ids of the keys this operation writes that lie in a space of `spaces`: every written key
   * some queued operation may check, which is all that conflicts and compare-and-set keys need.
   */
  writtenIn(spaces: CheckedSpaces): Set<string> {
    if (this.#written?.epoch === spaces.epoch) return this.#written.ids;
    const ids = new Set<string>();
    for (const key of this.#writtenKeys) if (spaces.mayBeChecked(key)) ids.add(keyId(key));
    this.#written = { epoch: spaces.epoch, ids };
    return ids;
  }
  mutate(...mutations: Deno.KvMutation[]): this {
    for (const m of mutations) {
      this.#wrote(m.key);
      if (m.type === "set") this.writes.push({ key: m.key, deleted: false, value: m.value });
      else if (m.type === "delete") this.writes.push({ key: m.key, deleted: true });
    }
    const lasting = this.#lasting;
    const sent = lasting
      ? mutations.map((m) =>
        m.type === "set" && m.expireIn === undefined ? { ...m, ...lasting } : m
      )
      : mutations;
    this.#calls.push((op) => op.mutate(...sent));
    return this;
  }
  sum(key: Deno.KvKey, n: bigint): this {
    this.#wrote(key);
    this.#calls.push((op) => op.sum(key, n));
    return this;
  }
  min(key: Deno.KvKey, n: bigint): this {
    this.#wrote(key);
    this.#calls.push((op) => op.min(key, n));
    return this;
  }
  max(key: Deno.KvKey, n: bigint): this {
    this.#wrote(key);
    this.#calls.push((op) => op.max(key, n));
    return this;
  }
  set(key: Deno.KvKey, value: unknown, options?: SetOptions): this {
    this.#wrote(key);
    this.writes.push({ key, deleted: false, value });
    const sent = options?.expireIn === undefined ? this.#lasting ?? options : options;
    this.#calls.push((op) => op.set(key, value, sent));
    return this;
  }
  delete(key: Deno.KvKey): this {
    this.#wrote(key);
    this.writes.push({ key, deleted: true });
    this.#calls.push((op) => op.delete(key));
    return this;
  }
  enqueue(
    value: unknown,
    options?: Parameters<Deno.AtomicOperation["enqueue"]>[1],
  ): this {
    this.mutations++;
    this.#calls.push((op) => op.enqueue(value, options));
    return this;
  }
  commit(): Promise<Result> {
    throw new Error("A recorded operation is committed by its group commit, not by itself");
  }
  /** See `setChangeMark`. */
  mark(key: Deno.KvKey): this {
    const id = keyId(key);
    if (!this.#marks.has(id)) {
      this.#wrote(key);
      this.#marks.set(id, key);
    }
    return this;
  }
  /**
   * Adds the recorded calls to `op`, but no check `sent` holds and no mark `marked` holds (then
   * adds this one's to them).
   */
  replayOnto(
    op: Deno.AtomicOperation,
    sent = new Set<string>(),
    marked = new Set<string>(),
  ): Deno.AtomicOperation {
    for (const call of this.#calls) {
      if (typeof call === "function") call(op);
      else if (!sent.has(call[0])) {
        sent.add(call[0]);
        op.check(call[1]);
      }
    }
    for (const [id, key] of this.#marks) {
      if (marked.has(id)) continue;
      marked.add(id);
      op.set(key, CHANGE_MARK, this.#lasting);
    }
    return op;
  }
  #wrote(key: Deno.KvKey) {
    this.#writtenKeys.push(key);
    this.mutations++;
  }
}

/** The value of a change mark: only its versionstamp counts. */
const CHANGE_MARK = 0;

/**
 * Sets `key` to 0 in `op`, a key written by nothing else, whose versionstamp alone says that
 * something changed (the calendar epoch, calendar.ts). Through a group commit, the operations of
 * one shared commit that mark the same key set it once: the same end state and versionstamp as
 * one set each, at one mutation instead of one per operation.
 */
export function setChangeMark(op: Deno.AtomicOperation, key: Deno.KvKey): Deno.AtomicOperation {
  return op instanceof RecordedOperation ? op.mark(key) : op.set(key, CHANGE_MARK);
}

/**
 * The sets and deletes an operation handed to `GroupCommit.commit`'s `build` received, once that
 * commit answered (for followers of what this process wrote, e.g. the calendar view).
 */
export function writesOf(op: Deno.AtomicOperation): readonly RecordedWrite[] {
  if (!(op instanceof RecordedOperation)) {
    throw new TypeError("writesOf() takes the operation a group commit handed to build");
  }
  return op.writes;
}

/** The checks of `op` that a commit already making `sent` would add. */
function newChecks(sent: Set<string>, op: RecordedOperation): number {
  let n = 0;
  for (const c of op.checkIds) if (!sent.has(c)) n++;
  return n;
}

/**
 * True when `a` checks a key `b` writes or the other way round (`written`: `b`'s written keys in
 * the checked spaces, which hold every key `a` checks).
 */
function conflicts(
  a: { checked: Set<string>; written: Set<string> },
  b: RecordedOperation,
  written: Set<string>,
) {
  for (const k of b.checked) if (a.written.has(k)) return true;
  for (const k of written) if (a.checked.has(k)) return true;
  return false;
}

export function createGroupCommit(kv: Deno.Kv, options: GroupCommitOptions = {}): GroupCommit {
  const maxChecks = options.maxChecks ?? DEFAULT_MAX_CHECKS;
  const lasting = options.lastingExpireInMs === undefined
    ? undefined
    : { expireIn: options.lastingExpireInMs };
  const queue: Pending[] = [];
  const spaces = new CheckedSpaces();
  let writing = false;
  /**
   * The versionstamp at which this queue last wrote each key that the writing operation also
   * checked (the most recent MAX_KNOWN such keys). A check
   * expecting a key at an older versionstamp can only fail (versionstamps only grow, and a
   * deleted key has none), so its operation is answered "refused" without a commit: typically a
   * second writer on one doctor's calendar that waited behind the first. Left in a shared commit,
   * it would make the whole commit fail and be retried in halves.
   */
  const known = new Map<string, string>();

  function remember(batch: Pending[], versionstamp: string) {
    for (const { op } of batch) {
      // Only compare-and-set keys (checked and written by one operation: a calendar version, a
      // hold, a patient's hold list) are expected by the operations queued behind it; a key left
      // out only means a stale check is refused by KV instead of here. Remembering every written
      // key cost more than the rest of the queue's bookkeeping.
      if (op.checks === 0) continue;
      const written = op.writtenIn(spaces);
      for (const id of op.checked) {
        if (!written.has(id)) continue;
        known.delete(id);
        known.set(id, versionstamp);
      }
    }
    while (known.size > MAX_KNOWN) known.delete(known.keys().next().value!);
  }

  /** True when a write this queue committed has already moved a key `op` expects unchanged. */
  function outdated(op: RecordedOperation): boolean {
    for (const [id, { versionstamp }] of op.checkList) {
      if (versionstamp === null) continue;
      const written = known.get(id);
      if (written !== undefined && written > versionstamp) return true;
    }
    return false;
  }

  /** Commits `batch` as one operation; if refused, its halves, so each gets its own answer. */
  async function commitTogether(batch: Pending[]): Promise<void> {
    let res: Result;
    try {
      res = await commit(() => {
        const op = kv.atomic();
        const sent = new Set<string>();
        const marked = new Set<string>();
        for (const p of batch) p.op.replayOnto(op, sent, marked);
        return op;
      });
    } catch (err) {
      // A KV server that did not answer in time: the commit may still land, so retrying its
      // parts would only wait again. Anything else (too large, a bad value) fails alone.
      if (batch.length === 1 || err instanceof ServiceUnavailableError) {
        for (const p of batch) p.reject(err);
        return;
      }
      res = { ok: false };
    }
    if (res.ok) remember(batch, res.versionstamp);
    if (res.ok || batch.length === 1) {
      for (const p of batch) p.resolve(res);
      return;
    }
    // Refused: the operations whose checks KV now holds otherwise are answered as their own
    // commits would be, and the rest commit together again; one read instead of the halves' log2(N)
    // commits, each resending the innocent operations' mutations. Only if none is found (or the
    // read fails) do halves find it.
    const stale = await staleIn(batch);
    if (stale && stale.size > 0) {
      for (const p of stale) p.resolve({ ok: false });
      const rest = batch.filter((p) => !stale.has(p));
      if (rest.length > 0) await commitTogether(rest);
      return;
    }
    const half = Math.ceil(batch.length / 2);
    await commitTogether(batch.slice(0, half));
    await commitTogether(batch.slice(half));
  }

  /**
   * The operations of `batch` with a check that KV no longer holds (its key at another
   * versionstamp, or present where it was expected absent), read back (one `getMany` per ten
   * keys); null if the read fails. A check that holds now may still have failed the commit (the key
   * moved back to absent since), and an operation found stale here can only be refused, since
   * versionstamps only grow.
   */
  async function staleIn(batch: Pending[]): Promise<Set<Pending> | null> {
    const keys = new Map<string, Deno.KvKey>();
    for (const { op } of batch) for (const [id, c] of op.checkList) keys.set(id, c.key);
    const ids = [...keys.keys()];
    const now = new Map<string, string | null>();
    try {
      const entries = await getManyChunked(kv, [...keys.values()]);
      entries.forEach((e, i) => now.set(ids[i], e.versionstamp));
    } catch {
      return null;
    }
    const stale = new Set<Pending>();
    for (const p of batch) {
      if (p.op.checkList.some(([id, c]) => now.get(id) !== c.versionstamp)) stale.add(p);
    }
    return stale;
  }

  /** Takes from the queue, in order, the operations that may share the next commit. */
  function nextBatch(): Pending[] {
    const batch: Pending[] = [];
    const keys = { checked: new Set<string>(), written: new Set<string>() };
    /** The batch's checks, each once (see `RecordedOperation.checkIds`). */
    const checkIds = new Set<string>();
    let mutations = 0;
    for (let i = 0; i < queue.length;) {
      const { op } = queue[i];
      if (outdated(op)) {
        queue.splice(i, 1)[0].resolve({ ok: false });
        continue;
      }
      const written = op.writtenIn(spaces);
      const fits = batch.length === 0 ||
        (checkIds.size + newChecks(checkIds, op) <= maxChecks &&
          mutations + op.mutations <= MAX_MUTATIONS && !conflicts(keys, op, written));
      if (!fits) {
        i++;
        continue;
      }
      batch.push(queue.splice(i, 1)[0]);
      for (const c of op.checkIds) checkIds.add(c);
      mutations += op.mutations;
      for (const k of op.checked) keys.checked.add(k);
      for (const k of written) keys.written.add(k);
    }
    return batch;
  }

  /** When the last drain ended, and whether one of its commits carried several operations. */
  let lastDrain = { endedMs: -Infinity, shared: false };

  async function drain() {
    writing = true;
    let shared = false;
    try {
      // Under load (the drain that just ended had operations queue up to share a commit), the
      // first operation waits one timer tick, so the operations of other requests in flight join
      // its commit: a quarter fewer commits over the full day, and a few per cent less CPU per
      // booking on the main thread and on SQLite's (docs/BENCHMARKS.md, issue 15). A lone caller
      // never waits.
      if (lastDrain.shared && performance.now() - lastDrain.endedMs < UNDER_LOAD_WITHIN_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      while (queue.length > 0) {
        const batch = nextBatch();
        if (batch.length > 1) shared = true;
        if (batch.length > 0) await commitTogether(batch);
      }
    } finally {
      writing = false;
      lastDrain = { endedMs: performance.now(), shared };
    }
  }

  function enqueue(op: RecordedOperation): Promise<Result> {
    for (const [, c] of op.checkList) spaces.add(c.key);
    return new Promise<Result>((resolve, reject) => {
      queue.push({ op, resolve, reject });
      if (!writing) void drain();
    });
  }

  return {
    commit(build) {
      const op = new RecordedOperation(lasting);
      build(op);
      return enqueue(op);
    },
    write(add, mutations) {
      if (mutations < 1 || mutations > MAX_MUTATIONS) {
        throw new RangeError(
          `A grouped write carries 1..${MAX_MUTATIONS} mutations; found ${mutations}`,
        );
      }
      const op = new RecordedOperation(lasting);
      add(op);
      if (op.checks > 0) throw new RangeError("A blind write carries no check; use commit()");
      return enqueue(op).then((res) => {
        if (!res.ok) throw new Error("A grouped KV write with no check was refused");
      });
    },
  };
}

const groups = new WeakMap<Deno.Kv, GroupCommit>();

/**
 * The one group commit of this KV handle, created on first use (with `options` then). Stores that
 * write through one handle share its queue, so their operations share commits.
 */
export function groupCommitOf(kv: Deno.Kv, options?: GroupCommitOptions): GroupCommit {
  let group = groups.get(kv);
  if (!group) {
    group = createGroupCommit(kv, options);
    groups.set(kv, group);
  }
  return group;
}
