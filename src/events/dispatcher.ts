/**
 * Delivers one outbox entry to its handler, exactly once in effect, whichever instance runs it.
 * The lease is the handled record ["event_handled", handler, eventId]: claimed with an atomic
 * check on its versionstamp (state `running`, `leaseUntilMs`), so two instances never run one
 * handler for one event at the same time; a lease past `leaseUntilMs` belongs to a crashed
 * worker and may be taken over (the value's own time is checked: `expireIn` is lazy). When the
 * handler succeeds, one commit marks the record `done` and deletes the outbox entry; a later copy
 * of the event finds `done` and only deletes its entry. A failing handler releases the lease and
 * the entry moves to a later due time (`retryBaseMs · 2^attempt`, capped at an hour); after
 * `maxAttempts` tries it goes to the dead-letter list. `deliver` is a plain function: the relay,
 * the inline notice and unit tests call it with their own clock. `deliverAll` claims the leases
 * of up to ten entries in one commit (one check each), unless the commit that wrote the entries
 * held them back for its caller (`holdBack`, for a change's inline entries on KV), and done marks
 * are blind writes
 * that go through the group commit (src/stores/kv/group_commit.ts): concurrent deliveries share
 * one.
 *
 * A held-back entry its caller delivers (`leased`) gets the handled record too: a caller slower
 * than a lease time may finish after a relay listed the entry and before that relay claims it, and
 * the record is what the claim then finds (deleting the entry alone let the relay run it again;
 * 6b36eb2's relay, which may run beside this one, relies on it as well).
 */
import type { Logger } from "../observability/logger.ts";
import { errorFields, redactText } from "../observability/logger.ts";
import { type GroupCommit, groupCommitOf } from "../stores/kv/group_commit.ts";
import { commit, getManyChunked, withKvRetry } from "../stores/kv/kv_commit.ts";
import { eventDlqKey, eventHandledKey } from "../stores/kv/keys.ts";
import { newDeadLetter } from "./dead_letters.ts";
import { type EventEnvelope, type EventHandler, MARKED_DONE } from "./event_types.ts";
import { addToOutbox, dueKeyOf } from "./outbox.ts";

export type DeliveryOutcome = "done" | "duplicate" | "deferred" | "busy" | "retry" | "dead";

interface HandledRecord {
  state: "running" | "done";
  leaseUntilMs: number;
}

const HANDLED_TTL_MS = 30 * 24 * 3_600_000;
const DONE: HandledRecord = { state: "done", leaseUntilMs: 0 };
/** How long one delivery may run before another instance takes it over as crashed (default). */
export const LEASE_MS = 60_000;
const MAX_BACKOFF_MS = 3_600_000;
/** Leases claimed per commit: one check each, and a `denokv` server takes at most 10. */
export const CLAIM_CHUNK = 10;

export interface DispatcherDeps {
  kv: Deno.Kv;
  handlers: readonly EventHandler[];
  now: () => number;
  log: Logger;
  retryBaseMs: number;
  maxAttempts: number;
  /** Default LEASE_MS; config EVENT_LEASE_MS. */
  leaseMs?: number;
  onRetry?: (handler: string) => void;
  /** Done marks of concurrent deliveries share a commit (default: this dispatcher's own). */
  group?: GroupCommit;
}

export interface Dispatcher {
  deliver(envelope: EventEnvelope): Promise<DeliveryOutcome>;
  /**
   * Delivers entries in chunks of CLAIM_CHUNK: one commit claims a chunk's leases, its handlers
   * run together, and their done marks share commits. Outcomes in the order of `envelopes`.
   */
  deliverAll(envelopes: EventEnvelope[], options?: DeliverOptions): Promise<DeliveryOutcome[]>;
  /**
   * `envelopes` as the commit that writes them should store them when its caller delivers them
   * itself once that commit answered: due one lease time after `nowMs`, so no relay looks at them
   * before — the caller's lease, with no lease record to write. `deliverAll(these, { leased: true
   * })` runs them at once with no claim commit, unless more than half that lease has gone. Envelopes of unknown handlers stay as they are
   * (their delivery dead-letters them, as ever). Should the process die before delivering, the
   * relay takes them when they fall due, as it takes over a lease left by a crash.
   */
  holdBack(envelopes: readonly EventEnvelope[], nowMs: number): EventEnvelope[];
}

export interface DeliverOptions {
  /**
   * The envelopes come from the commit that has just answered to this caller, so none can have a
   * lease record unless a relay took it since: the leases are claimed on absence, without reading
   * them first (should one exist, that chunk is claimed one by one, with reads).
   */
  fresh?: boolean;
  /**
   * The envelopes were held back for this caller by the commit that wrote them (`holdBack`),
   * which has answered to it: they are delivered now, without claiming, while at least half of
   * that lease remains (the rest is the handler's time); later ones are `deferred` to the relay,
   * which takes them when they fall due.
   */
  leased?: boolean;
}

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { kv, now, log, retryBaseMs, maxAttempts } = deps;
  const leaseMs = deps.leaseMs ?? LEASE_MS;
  const byName = new Map(deps.handlers.map((h) => [h.name, h]));
  const group = deps.group ?? groupCommitOf(kv);

  type Claim = "claimed" | "done" | "busy";

  function state(entry: Deno.KvEntryMaybe<HandledRecord>, nowMs: number): Claim | "free" {
    if (entry.value?.state === "done") return "done";
    return entry.value && entry.value.leaseUntilMs > nowMs ? "busy" : "free";
  }

  const lease = (nowMs: number): HandledRecord => ({
    state: "running",
    leaseUntilMs: nowMs + leaseMs,
  });

  async function claim(key: Deno.KvKey, nowMs: number): Promise<Claim> {
    const entry = await withKvRetry(() => kv.get<HandledRecord>(key));
    const found = state(entry, nowMs);
    if (found !== "free") return found;
    const res = await group.commit((op) =>
      op.check(entry).set(key, lease(nowMs), { expireIn: HANDLED_TTL_MS })
    );
    return res.ok ? "claimed" : "busy";
  }

  /**
   * The leases of up to CLAIM_CHUNK entries in one commit (one check each). Should another
   * instance have moved one of them meanwhile, the chunk is claimed one by one instead.
   */
  async function claimChunk(
    keys: Deno.KvKey[],
    nowMs: number,
    { fresh = false, leased = false }: DeliverOptions,
  ): Promise<Claim[]> {
    if (leased) return keys.map(() => "claimed");
    const entries: Deno.KvEntryMaybe<HandledRecord>[] = fresh
      ? keys.map((key) => ({ key, value: null, versionstamp: null }))
      : await getManyChunked<HandledRecord>(kv, keys);
    const out: (Claim | "free")[] = entries.map((e) => state(e, nowMs));
    const free = out.flatMap((s, i) => s === "free" ? [i] : []);
    if (free.length > 0) {
      const res = await group.commit((op) => {
        for (const i of free) {
          op.check(entries[i]).set(keys[i], lease(nowMs), { expireIn: HANDLED_TTL_MS });
        }
        return op;
      });
      for (const i of free) out[i] = res.ok ? "claimed" : await claim(keys[i], nowMs);
    }
    return out as Claim[];
  }

  async function deadLetter(
    envelope: EventEnvelope,
    error: string,
    nowMs: number,
    extra?: Deno.KvKey,
  ) {
    const letter = newDeadLetter(envelope, error, nowMs);
    await commit(() => {
      const op = kv.atomic().set(eventDlqKey(letter.id), letter).delete(dueKeyOf(envelope));
      return extra ? op.delete(extra) : op;
    });
  }

  /** Runs the handler of a claimed entry, then marks it done, retries or dead-letters it. */
  async function run(
    envelope: EventEnvelope,
    handler: EventHandler,
    key: Deno.KvKey,
    nowMs: number,
  ): Promise<DeliveryOutcome> {
    const { event } = envelope;
    const markDone = (op: Deno.AtomicOperation) =>
      op.set(key, DONE, { expireIn: HANDLED_TTL_MS }).delete(dueKeyOf(envelope));
    let answer: void | typeof MARKED_DONE;
    try {
      answer = await handler.handle(event, {
        now: nowMs,
        attempt: envelope.attempt,
        maxAttempts,
        markDone,
      });
    } catch (err) {
      const next = envelope.attempt + 1;
      const fields = {
        handler: handler.name,
        eventId: event.id,
        type: event.type,
        attempt: next,
      };
      if (next >= maxAttempts) {
        await deadLetter(envelope, errorMessage(err), nowMs, key);
        log.error("event handler gave up; dead-lettered", { ...fields, ...errorFields(err) });
        return "dead";
      }
      deps.onRetry?.(handler.name);
      log.warn("event handler failed; will retry", { ...fields, ...errorFields(err) });
      const delay = Math.min(MAX_BACKOFF_MS, retryBaseMs * 2 ** envelope.attempt);
      const retry = { ...envelope, attempt: next, notBeforeMs: nowMs + delay };
      await commit(() => addToOutbox(kv.atomic().delete(key).delete(dueKeyOf(envelope)), [retry]));
      return "retry";
    }
    // Blind: the lease is ours, and a second done mark (a lease taken over) writes the same.
    if (answer !== MARKED_DONE) await group.write(markDone, 2);
    return "done";
  }

  async function deliverChunk(
    envelopes: EventEnvelope[],
    options: DeliverOptions = {},
  ): Promise<DeliveryOutcome[]> {
    const nowMs = now();
    const out: (DeliveryOutcome | null)[] = envelopes.map(() => null);
    const ready: { i: number; handler: EventHandler; key: Deno.KvKey }[] = [];
    const seen = new Set<string>();
    for (const [i, envelope] of envelopes.entries()) {
      if (envelope.notBeforeMs > nowMs && !options.leased) {
        out[i] = "deferred";
        continue;
      }
      // A caller whose held-back lease has (nearly) run out, its commit slow to answer, leaves
      // the entry to the relay: a relay may already be running it, or have run it, and this
      // delivery claims nothing (the patient got the notice twice, the trail the entry twice).
      if (options.leased && envelope.notBeforeMs - nowMs < leaseMs / 2) {
        out[i] = "deferred";
        continue;
      }
      // Two copies of one (handler, event) in a chunk: the second waits for a later pass.
      const once = `${envelope.handler}\u0000${envelope.event.id}`;
      if (seen.has(once)) {
        out[i] = "busy";
        continue;
      }
      seen.add(once);
      const handler = byName.get(envelope.handler);
      if (!handler) {
        await deadLetter(envelope, `No handler named ${envelope.handler}`, nowMs);
        out[i] = "dead";
        continue;
      }
      ready.push({ i, handler, key: eventHandledKey(handler.name, envelope.event.id) });
    }
    const claims = ready.length > 0
      ? await claimChunk(ready.map((r) => r.key), nowMs, options)
      : [];
    await Promise.all(ready.map(async ({ i, handler, key }, n) => {
      const envelope = envelopes[i];
      if (claims[n] === "done") {
        // Blind: a later copy of a handled event (a relay moved it twice, a replay).
        await group.write((op) => op.delete(dueKeyOf(envelope)), 1);
        out[i] = "duplicate";
      } else if (claims[n] === "busy") {
        // Another instance runs it; the entry stays and is looked at again on a later pass.
        out[i] = "busy";
      } else {
        out[i] = await run(envelope, handler, key, nowMs);
      }
    }));
    return out as DeliveryOutcome[];
  }

  return {
    async deliver(envelope) {
      return (await deliverChunk([envelope]))[0];
    },

    async deliverAll(envelopes, options = {}) {
      const out: DeliveryOutcome[] = [];
      for (let i = 0; i < envelopes.length; i += CLAIM_CHUNK) {
        out.push(...await deliverChunk(envelopes.slice(i, i + CLAIM_CHUNK), options));
      }
      return out;
    },

    holdBack(envelopes, nowMs) {
      return envelopes.map((e) =>
        byName.has(e.handler) ? { ...e, notBeforeMs: Math.max(e.notBeforeMs, nowMs + leaseMs) } : e
      );
    },
  };
}

function errorMessage(err: unknown): string {
  return redactText(err instanceof Error ? err.message : String(err)).slice(0, 300);
}
