/**
 * Deno KV handles that record what is asked of them: how many checks each atomic commit carries, so
 * a test can prove that every path fits a `denokv` server (at most 10 checks per commit) without
 * one running (`countingKv`), and the reads (`countingGets`).
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

/** `kv` with its reads recorded: `get` calls counted, each `getMany`'s keys kept. */
export function countingGets(kv: Deno.Kv) {
  const counted = { gets: 0, getManys: [] as Deno.KvKey[][] };
  const proxy = new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "get") {
        return (...args: Parameters<Deno.Kv["get"]>) => {
          counted.gets++;
          return target.get(...args);
        };
      }
      if (prop === "getMany") {
        return (keys: Deno.KvKey[], options?: { consistency?: Deno.KvConsistencyLevel }) => {
          counted.getManys.push(keys);
          return target.getMany(keys, options);
        };
      }
      return value.bind(target);
    },
  });
  return { kv: proxy, counted };
}
