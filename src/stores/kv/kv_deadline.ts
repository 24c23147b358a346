/**
 * A deadline on every call to a KV server. Deno's KV Connect client retries a server it cannot
 * reach forever, so while `denokv` (or the platform's database) is down every request would hang
 * until REQUEST_TIMEOUT_MS and answer a bare timeout. Wrapped, a call that has not answered within
 * `timeoutMs` fails with `ServiceUnavailableError` (503 with Retry-After), which the stores and
 * the error handler already treat as "safe to retry later".
 *
 * What a deadline cannot do is cancel: a commit that timed out may still land when the server
 * returns, as with any timeout. Callers already live with that (Idempotency-Key, holds that
 * expire, checks on versionstamps), so the client sees a 503 it may retry, never a 500.
 * Only the calls that wait on the server are wrapped: get, getMany, set, delete, commit and the
 * pages of `list`; `watch` streams and `close` pass through.
 */
import { ServiceUnavailableError } from "../../errors.ts";
import { callKv, KV_REQUESTS, replacingMethods } from "./kv_proxy.ts";

export function withKvDeadline(kv: Deno.Kv, timeoutMs: number): Deno.Kv {
  const retryAfterSeconds = Math.max(1, Math.ceil(timeoutMs / 1000));

  function deadline<T>(call: string, work: Promise<T>): Promise<T> {
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    const timer = setTimeout(() => {
      reject(
        new ServiceUnavailableError(
          `The KV store did not answer ${call} within ${timeoutMs} ms; try again shortly`,
          { retryAfterSeconds },
        ),
      );
    }, timeoutMs);
    work.then(resolve, reject).finally(() => clearTimeout(timer));
    return promise;
  }

  return replacingMethods(kv, {
    ...Object.fromEntries(
      KV_REQUESTS.map((name) => [
        name,
        (...args: unknown[]) => deadline(`a ${name}`, callKv(kv, name, args)),
      ]),
    ),
    atomic: () => {
      const op = kv.atomic();
      return replacingMethods(op, { commit: () => deadline("a commit", op.commit()) });
    },
    list: (...args: Parameters<Deno.Kv["list"]>) => {
      const iter = kv.list(...args);
      return replacingMethods(iter, { next: () => deadline("a list page", iter.next()) });
    },
  });
}
