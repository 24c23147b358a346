/**
 * Whether any webhook endpoint exists, so a change leaves out its `webhooks.fanout` outbox
 * entries when none does (an entry, its inline delivery, a list of the endpoints and a done mark
 * per change: docs/BENCHMARKS.md, issue 15). The rule: an endpoint receives the events of the
 * changes committed after its registration committed. On MongoDB records the change is stored
 * first and its events moved into the KV outbox after; the move's commit carries the check, so a
 * registration that committed before the change, being before the move too, fails it. The record
 * keeps the fan-out entries, so a relay that moves them instead (the writer died) fans out.
 *
 * The mark ["webhook_presence"] is `{any: true}` from the commit that registers an endpoint (every
 * registration writes it, so its versionstamp moves), and `{any: false}` only once a list of the
 * endpoints found none, the mark was read, and a second list after that read found none either
 * (`recordNone`, with a check on the mark as read: a registration after it refuses the record, and
 * one before it is in the second list). No mark (data of an older release) means "fan out".
 *
 * A change that leaves its entries out checks the mark it acted on in its own commit, so a
 * registration that committed before the change always fails that commit and the retry (its
 * calendar step runs again) fans out: the mark may therefore come from this process's memory on
 * the first try, and is read again on every retry. During a rolling deploy from a release that
 * registers endpoints without the mark (`KV_CELL_MARKS=true`, README "Upgrading") nothing is left
 * out, `{any: false}` is never written, and a list that finds endpoints under a mark that says none
 * (left from before a rollback to such a release) sets it back.
 */
import type { EventEnvelope } from "../events/event_types.ts";
import { addToOutbox } from "../events/outbox.ts";
import type { CommitPart } from "../stores/ports.ts";
import { withKvRetry } from "../stores/kv/kv_commit.ts";
import { webhookPresenceKey } from "../stores/kv/keys.ts";

interface PresenceMark {
  any: boolean;
}

type MarkEntry = Deno.KvEntryMaybe<PresenceMark>;

/** The name of the handler whose entries the mark may leave out. */
export const FANOUT_HANDLER = "webhooks.fanout";

export interface WebhookPresenceOptions {
  /** `KV_CELL_MARKS`: an older release may register endpoints beside this one; never leave out. */
  cellMarks?: boolean;
}

export interface FanoutPart {
  /** Adds `envelopes` to the commit, or a check that the mark still says no endpoint exists. */
  part: CommitPart;
  /** Whether the last commit built left the entries out. */
  leftOut(): boolean;
}

export interface WebhookPresence {
  /**
   * After a list of the endpoints found none: records `{any: false}` unless the mark says so
   * already or `anyListed()`, called after reading the mark, finds one (see the header).
   */
  recordNone(anyListed: () => Promise<boolean>): Promise<void>;
  /** After a list found endpoints: with `cellMarks`, a mark that says none is set back. */
  recordSome(): Promise<void>;
  /** The fan-out entries of one change as a part of its commit. */
  fanout(envelopes: readonly EventEnvelope[]): FanoutPart;
}

/** The registration commit's share: the mark says an endpoint exists. */
export function markPresent(op: Deno.AtomicOperation): Deno.AtomicOperation {
  return op.set(webhookPresenceKey, { any: true } satisfies PresenceMark);
}

export function createWebhookPresence(
  kv: Deno.Kv,
  { cellMarks = false }: WebhookPresenceOptions = {},
): WebhookPresence {
  /** The mark as last read here; only ever acted on with a check in the same commit. */
  let known: MarkEntry | undefined;

  async function read(): Promise<MarkEntry> {
    return known = await withKvRetry(() => kv.get<PresenceMark>(webhookPresenceKey));
  }

  return {
    async recordNone(anyListed) {
      if (cellMarks) return;
      const mark = await read();
      if (mark.value?.any === false || await anyListed()) return;
      const res = await withKvRetry(() =>
        kv.atomic().check(mark).set(webhookPresenceKey, { any: false } satisfies PresenceMark)
          .commit()
      );
      if (res.ok) known = { ...mark, value: { any: false }, versionstamp: res.versionstamp };
    },
    async recordSome() {
      if (!cellMarks || (await read()).value?.any !== false) return;
      await withKvRetry(() => markPresent(kv.atomic()).commit());
    },
    fanout(envelopes) {
      let tries = 0;
      let leftOut = false;
      return {
        part: async () => {
          const mark = tries++ === 0 && known ? known : await read();
          const skip = !cellMarks && mark.value?.any === false;
          return (op) => {
            leftOut = skip;
            return skip ? op.check(mark) : addToOutbox(op, envelopes);
          };
        },
        leftOut: () => leftOut,
      };
    },
  };
}
