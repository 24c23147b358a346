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

  /** Calls `method` on `target` and maps a chained `this` back to `proxy`. */
  function passThrough(target: object, proxy: object, method: (...a: unknown[]) => unknown) {
    return (...args: unknown[]) => {
      const out = method.apply(target, args);
      return out === target ? proxy : out;
    };
  }

  function wrapAtomic(op: Deno.AtomicOperation): Deno.AtomicOperation {
    const proxy: Deno.AtomicOperation = new Proxy(op, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (prop === "commit") return () => deadline("a commit", target.commit());
        return passThrough(target, proxy, value);
      },
    });
    return proxy;
  }

  function wrapList<T>(iter: Deno.KvListIterator<T>): Deno.KvListIterator<T> {
    const proxy: Deno.KvListIterator<T> = new Proxy(iter, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (prop === "next") return () => deadline("a list page", target.next());
        return passThrough(target, proxy, value);
      },
    });
    return proxy;
  }

  const wrapped: Deno.Kv = new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      switch (prop) {
        case "get":
        case "getMany":
        case "set":
        case "delete":
          return (...args: unknown[]) =>
            deadline(
              `a ${prop}`,
              (value as (...a: unknown[]) => Promise<unknown>).apply(target, args),
            );
        case "atomic":
          return () => wrapAtomic(target.atomic());
        case "list":
          return (...args: Parameters<Deno.Kv["list"]>) => wrapList(target.list(...args));
        default:
          return passThrough(target, wrapped, value);
      }
    },
  });
  return wrapped;
}
