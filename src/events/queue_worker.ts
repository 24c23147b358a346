/**
 * The thin wiring between Deno KV's queue and the dispatcher: one `listenQueue` per KV handle,
 * each message handed to `deliver`. A message that is not one of ours is logged and dropped. If
 * `deliver` itself throws (the KV is unreachable), the error propagates so the queue redelivers
 * with its own backoff, and finally parks the message under `keysIfUndelivered`.
 */
import type { Logger } from "../observability/logger.ts";
import type { Dispatcher } from "./dispatcher.ts";
import { isEnvelope } from "./event_types.ts";

export function startQueueWorker(kv: Deno.Kv, dispatcher: Dispatcher, log: Logger): Promise<void> {
  return kv.listenQueue(async function deliverQueued(message: unknown) {
    if (!isEnvelope(message)) {
      log.warn("queue message of unknown shape dropped");
      return;
    }
    await dispatcher.deliver(message);
  });
}
