/**
 * A Deno KV handle with some members of its own: `own` answers those, and every other method is
 * the handle's, bound once and kept (`atomic` is on every commit's path: a bind per access would
 * allocate a function each time). Used by the wrappers that replace a few methods (read_handle.ts,
 * get_batch.ts).
 */
export function withOwnMembers(kv: Deno.Kv, own: Map<PropertyKey, unknown>): Deno.Kv {
  const members = new Map(own);
  return new Proxy(kv, {
    get(target, prop) {
      if (members.has(prop)) return members.get(prop);
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      const bound = value.bind(target);
      members.set(prop, bound);
      return bound;
    },
  });
}
