/**
 * An outbound request's time limit, the one way the server bounds a call it makes (Upstash's REST
 * requests, webhook deliveries): `withDeadline(ms, run)` hands `run` a signal that aborts `ms`
 * after the call with a `TimeoutError` `DOMException`, and stops the timer once `run` has settled.
 *
 * Not `AbortSignal.timeout`, whose timer cannot be stopped: every request that had long answered
 * still fired it, and each firing built the abort's `DOMException` with a stack trace (~0.4% of
 * the server's busy time in a FerretDB + Redis day, docs/BENCHMARKS.md, issue 15). Like its timer,
 * this one is unref'd: a request in flight keeps no process alive.
 */
export async function withDeadline<T>(
  ms: number,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const abort = new AbortController();
  const timer = setTimeout(
    () => abort.abort(new DOMException(`no answer within ${ms} ms`, "TimeoutError")),
    ms,
  );
  Deno.unrefTimer(timer);
  try {
    return await run(abort.signal);
  } finally {
    clearTimeout(timer);
  }
}
