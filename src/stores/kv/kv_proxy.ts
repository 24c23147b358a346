/**
 * The proxy shape the KV wrappers share (kv_deadline.ts, kv_pool.ts): a `Deno.Kv`, an atomic
 * operation or a list iterator with some methods replaced and every other method the target's
 * own, where a chained call (one that returns the target, like `op.set(...)`) returns the proxy,
 * so the replaced methods are still the ones reached at the end of the chain.
 */

/** The `Deno.Kv` methods that are one request to the store each. */
export const KV_REQUESTS = ["get", "getMany", "set", "delete"] as const;

/** `kv[name](...args)`, for one of KV_REQUESTS. */
export function callKv(
  kv: Deno.Kv,
  name: typeof KV_REQUESTS[number],
  args: unknown[],
): Promise<unknown> {
  return (kv[name] as (...a: unknown[]) => Promise<unknown>).apply(kv, args);
}

/** `target` with the methods in `replacements` replaced (see the header). */
export function replacingMethods<T extends object>(
  target: T,
  replacements: Partial<Record<PropertyKey, (...args: never[]) => unknown>>,
): T {
  const proxy: T = new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop, t);
      if (typeof value !== "function") return value;
      const replaced = replacements[prop];
      if (replaced) return replaced;
      return (...args: unknown[]) => {
        const out = (value as (...a: unknown[]) => unknown).apply(t, args);
        return out === t ? proxy : out;
      };
    },
  });
  return proxy;
}
