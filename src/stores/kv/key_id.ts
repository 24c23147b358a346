/**
 * A key as a string: each part tagged by its type, strings length-prefixed, so equal keys get the
 * same id and different keys different ones (a number's -0 and 0 too: Deno KV keeps them apart).
 * The group commit's conflict detection (group_commit.ts) and the batched gets (get_batch.ts) key
 * their maps by it.
 */
export function keyId(key: Deno.KvKey): string {
  let id = "";
  for (const part of key) {
    switch (typeof part) {
      case "string":
        id += `s${part.length}:${part}`;
        break;
      case "number":
        id += Object.is(part, -0) ? "n-0;" : `n${part};`;
        break;
      case "bigint":
        id += `b${part};`;
        break;
      case "boolean":
        id += part ? "t" : "f";
        break;
      default:
        id += `u${(part as Uint8Array).join(",")};`;
    }
  }
  return id;
}
