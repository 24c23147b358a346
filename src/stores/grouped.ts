/**
 * Grouped calls: the calls of concurrent callers in this process to one kind of remote command go
 * out together as one request, one such request in flight at a time (MongoDB commands:
 * mongo/grouped.ts; Upstash commands: upstash/client.ts). Each request costs the main thread a
 * fixed amount however little it carries, as a KV commit does (kv/group_commit.ts).
 *
 * - When none of its kind is in flight a call goes out with the calls made in the same turn of the
 *   event loop (after the current microtasks): alone when there are none, so an idle server adds no
 *   wait. While one is in flight, calls wait for it and then go out together: under load, requests
 *   are fewer and larger.
 * - `send` answers one outcome per item, in order: each caller gets its own value or its own
 *   error. Should `send` fail as a whole, every caller of that request fails with its error.
 * - A request is sent after each of its calls was made, so a read still sees every write answered
 *   before it was asked.
 * - With `gatherMs`, a call made while none is in flight waits that long for others before it goes
 *   (for calls nobody answers a client on: fewer, larger requests for a little delay).
 */

/** What one caller of a grouped request gets: its value, or its own error. */
export type Outcome<O> = { ok: true; value: O } | { ok: false; error: unknown };

/**
 * Callers per request: far below MongoDB's 100,000 writes and 16 MB per command, and small enough
 * that one request's size never makes it the slow one.
 */
export const MAX_PER_REQUEST = 100;

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * A function of one item that sends its item with those of concurrent callers, through `send`,
 * which gets the items in call order and answers one outcome per item, in the same order.
 */
export function grouped<I, O>(
  send: (items: I[]) => Promise<Outcome<O>[]>,
  maxPerRequest = MAX_PER_REQUEST,
  gatherMs = 0,
): (item: I) => Promise<O> {
  let waiting: Waiting<I, O>[] = [];
  /** A request is scheduled or in flight: later calls wait for it. */
  let busy = false;

  const flush = () => {
    const batch = waiting.length <= maxPerRequest ? waiting : waiting.slice(0, maxPerRequest);
    waiting = batch === waiting ? [] : waiting.slice(maxPerRequest);
    if (batch.length === 0) {
      busy = false;
      return;
    }
    let sent: Promise<Outcome<O>[]>;
    try {
      sent = send(batch.map((w) => w.item));
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (outcomes) => {
        batch.forEach((w, i) => {
          const outcome = outcomes[i];
          if (outcome === undefined) {
            w.reject(new Error("a grouped request answered too few items"));
          } else if (outcome.ok) w.resolve(outcome.value);
          else w.reject(outcome.error);
        });
      },
      (error: unknown) => {
        for (const w of batch) w.reject(error);
      },
    ).finally(flush);
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (busy) return;
      busy = true;
      if (gatherMs > 0) setTimeout(flush, gatherMs);
      else queueMicrotask(flush);
    });
}
