/**
 * A Deno KV handle that records how many checks each atomic commit carries, so a test can prove
 * that every path fits a `denokv` server (at most 10 checks per commit) without one running.
 */
export interface CommitRecord {
  checks: number;
  mutations: number;
  /** The first key part of every mutated key: which kinds of data the commit wrote. */
  prefixes: string[];
}

export function countingKv(kv: Deno.Kv): { kv: Deno.Kv; commits: CommitRecord[] } {
  const commits: CommitRecord[] = [];
  const proxy = new Proxy(kv, {
    get(target, prop) {
      if (prop === "atomic") return () => countingOp(target.atomic(), commits);
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: proxy, commits };
}

function countingOp(op: Deno.AtomicOperation, commits: CommitRecord[]): Deno.AtomicOperation {
  const record: CommitRecord = { checks: 0, mutations: 0, prefixes: [] };
  const wrapped: Deno.AtomicOperation = new Proxy(op, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (prop === "check") record.checks += args.length;
        if (prop === "set" || prop === "delete" || prop === "sum") {
          record.mutations++;
          record.prefixes.push(String((args[0] as Deno.KvKey)[0]));
        }
        if (prop === "commit") commits.push(record);
        const out = value.apply(target, args);
        return out === target ? wrapped : out;
      };
    },
  });
  return wrapped;
}
