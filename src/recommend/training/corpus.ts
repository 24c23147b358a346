/**
 * The labelled symptom corpus: one authored file per language in `corpus/<lang>.txt`, a line
 * per description as `CODE|t|text` (CODE a specialization code below, t the triage: r routine,
 * u urgent, e emergency). `splitCorpus` assigns every description to train, dev or test with a
 * seeded hash of its text, so the split is reproducible and never depends on file
 * order. Descriptions written after the test split was frozen live in `corpus/added/<lang>.txt`
 * (same format) and go to train or dev only, so the frozen test split never changes. Only
 * scripts and tests read the corpus; the server ships the trained model instead.
 */
import { LANGUAGES } from "../languages.ts";
import { type Specialization, SPECIALIZATIONS } from "../lexicon.ts";

export type Triage = "emergency" | "urgent" | "routine";
export type Split = "train" | "dev" | "test";

export interface Example {
  id: string;
  lang: string;
  text: string;
  label: Specialization;
  triage: Triage;
  /** Written after the test split was frozen (corpus/added/): train or dev, never test. */
  added?: boolean;
}

export { LANGUAGES };

const CODES: Record<string, Specialization> = {
  KC: "Kayachikitsa",
  PK: "Panchakarma",
  SY: "Shalya Tantra",
  SK: "Shalakya Tantra",
  KB: "Kaumarbhritya",
  PT: "Prasuti Tantra",
  RS: "Rasayana",
  AG: "Agada Tantra",
  MR: "Manas Roga",
};
const TRIAGE: Record<string, Triage> = { r: "routine", u: "urgent", e: "emergency" };

/** The seed of the split; changing it reshuffles every split and breaks the frozen test hash. */
export const SPLIT_SEED = "vaidya-corpus-2026-12";
const DEV_SHARE = 0.15;
const TEST_SHARE = 0.15;
/** The dev share of descriptions added after the freeze (the rest train). */
export const ADDED_DEV_SHARE = 0.2;

/** 32-bit FNV-1a over the UTF-8 bytes of `s`. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Parses one language file; throws naming the line on a malformed one. */
export function parseCorpusFile(lang: string, source: string, added = false): Example[] {
  const out: Example[] = [];
  source.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const [code, t, text, extra] = line.split("|");
    const label = CODES[code];
    const triage = TRIAGE[t];
    if (!label || !triage || !text?.trim() || extra !== undefined) {
      const file = `${added ? "added/" : ""}${lang}.txt`;
      throw new Error(`Cannot parse corpus line ${file}:${i + 1}: "${line}"`);
    }
    const clean = text.trim();
    const id = `${lang}:${fnv1a(clean).toString(16)}`;
    out.push({ id, lang, text: clean, label, triage, ...(added ? { added } : {}) });
  });
  return out;
}

/** Reads every language file under `dir` (a file URL ending in a slash), then `added/`. */
export async function readCorpus(dir: URL): Promise<Example[]> {
  const all: Example[] = [];
  for (const lang of LANGUAGES) {
    all.push(...parseCorpusFile(lang, await Deno.readTextFile(new URL(`${lang}.txt`, dir))));
  }
  for (const lang of LANGUAGES) {
    const source = await Deno.readTextFile(new URL(`added/${lang}.txt`, dir)).catch((e) => {
      if (e instanceof Deno.errors.NotFound) return "";
      throw e;
    });
    all.push(...parseCorpusFile(lang, source, true));
  }
  const ids = new Set<string>();
  for (const ex of all) {
    if (ids.has(ex.id)) throw new Error(`Duplicate corpus description ${ex.id}: "${ex.text}"`);
    ids.add(ex.id);
  }
  return all;
}

/**
 * Train/dev/test by a seeded hash of each description's text: the lowest 15% of the hash range is
 * test, the next 15% dev, the rest train. A description's split never depends on the others, so
 * adding descriptions never moves an existing one (a new one in the language files may land in
 * test, which changes the frozen hash on purpose). Descriptions added after the freeze hash with
 * their own salt into dev (ADDED_DEV_SHARE) or train. Output order is by id.
 */
export function splitOf(example: Example): Split {
  if (example.added) {
    const a = fnv1a(`${SPLIT_SEED}:added:${example.lang}:${example.text}`) / 2 ** 32;
    return a < ADDED_DEV_SHARE ? "dev" : "train";
  }
  const u = fnv1a(`${SPLIT_SEED}:${example.lang}:${example.text}`) / 2 ** 32;
  return u < TEST_SHARE ? "test" : u < TEST_SHARE + DEV_SHARE ? "dev" : "train";
}

export function splitCorpus(examples: Example[]): Record<Split, Example[]> {
  const out: Record<Split, Example[]> = { train: [], dev: [], test: [] };
  for (const e of examples) out[splitOf(e)].push(e);
  for (const split of Object.values(out)) split.sort((a, b) => a.id.localeCompare(b.id));
  return out;
}

/** One example a line, keys in a fixed order, so the file (and its hash) is reproducible. */
export function toJsonl(examples: Example[]): string {
  return examples.map(({ id, lang, label, triage, text }) =>
    JSON.stringify({ id, lang, label, triage, text })
  ).join("\n") + "\n";
}

export function parseJsonl(source: string): Example[] {
  return source.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as Example);
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export const SPECIALIZATION_LIST: readonly Specialization[] = SPECIALIZATIONS;
