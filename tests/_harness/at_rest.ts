/**
 * What a store holds at rest, searched for marker values (a phone, medical text): every file in a
 * directory as raw bytes (UTF-8, and UTF-16LE, the form V8's serialiser gives a string with any
 * character beyond Latin-1), every Deno KV key and value read back through `Deno.openKv`, every
 * document of a MongoDB database, and every Redis key and value behind an Upstash REST URL. Each
 * answers where a marker was found ("" nowhere), so a test can list every leak at once.
 */
import type { Db } from "mongodb";

export interface Marker {
  /** What the marker stands for, for the report (never the value itself). */
  label: string;
  value: string;
}

function utf16le(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i * 2] = c & 0xff;
    out[i * 2 + 1] = c >> 8;
  }
  return out;
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return -1;
  const first = needle[0];
  for (let i = hay.indexOf(first); i !== -1 && i <= hay.length - needle.length;) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
    i = hay.indexOf(first, i + 1);
  }
  return -1;
}

/** Markers found in the raw bytes of every file under `dir` (recursively), as "file: label". */
export async function scanFiles(dir: string, markers: Marker[]): Promise<string[]> {
  const found: string[] = [];
  const encoder = new TextEncoder();
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) {
      found.push(...await scanFiles(path, markers));
      continue;
    }
    if (!entry.isFile) continue;
    const bytes = await Deno.readFile(path);
    for (const m of markers) {
      for (
        const [form, needle] of [["utf-8", encoder.encode(m.value)], [
          "utf-16",
          utf16le(m.value),
        ]] as const
      ) {
        const at = indexOfBytes(bytes, needle);
        if (at !== -1) found.push(`${entry.name} (${form}, byte ${at}): ${m.label}`);
      }
    }
  }
  return found;
}

function labelsIn(text: string, markers: Marker[]): string[] {
  return markers.filter((m) => text.includes(m.value)).map((m) => m.label);
}

/** Markers in the keys and values of the KV file at `path`, as "space: label". */
export async function scanKv(path: string, markers: Marker[]): Promise<string[]> {
  const found: string[] = [];
  const kv = await Deno.openKv(path);
  try {
    for await (const e of kv.list({ prefix: [] })) {
      const text = JSON.stringify(
        [e.key.map(String), e.value],
        (_k, v) =>
          typeof v === "bigint"
            ? String(v)
            : v instanceof Uint8Array
            ? new TextDecoder().decode(v)
            : v,
      );
      for (const label of labelsIn(text, markers)) {
        found.push(`kv ${JSON.stringify(e.key.slice(0, 2).map(String))}: ${label}`);
      }
    }
  } finally {
    kv.close();
  }
  return found;
}

/** Markers in every document of every collection of `db`, as "collection: label". */
export async function scanMongo(db: Db, markers: Marker[]): Promise<string[]> {
  const found: string[] = [];
  for (const { name } of await db.listCollections().toArray()) {
    for await (const doc of db.collection(name).find({})) {
      for (const label of labelsIn(JSON.stringify(doc), markers)) {
        found.push(`mongo ${name} ${String(doc._id).slice(0, 12)}: ${label}`);
      }
    }
  }
  return found;
}

/** Markers in every Redis key and value (strings, hashes, lists, sets, sorted sets), via REST. */
export async function scanRedis(
  url: string,
  token: string,
  markers: Marker[],
): Promise<string[]> {
  const call = async (...cmd: (string | number)[]): Promise<unknown> => {
    const res = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify(cmd),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`Redis ${cmd[0]} answered ${res.status}: ${JSON.stringify(body)}`);
    return body.result;
  };
  const found: string[] = [];
  for (const key of await call("KEYS", "*") as string[]) {
    const type = await call("TYPE", key) as string;
    const value = type === "string"
      ? await call("GET", key)
      : type === "hash"
      ? await call("HGETALL", key)
      : type === "list"
      ? await call("LRANGE", key, 0, -1)
      : type === "set"
      ? await call("SMEMBERS", key)
      : type === "zset"
      ? await call("ZRANGE", key, 0, -1, "WITHSCORES")
      : type === "stream"
      ? await call("XRANGE", key, "-", "+")
      : null;
    for (const label of labelsIn(JSON.stringify([key, value]), markers)) {
      found.push(`redis ${key.split(":").slice(0, 3).join(":")}: ${label}`);
    }
  }
  return found;
}
