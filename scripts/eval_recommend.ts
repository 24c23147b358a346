/**
 * Benchmarks the symptom scorer on the labelled set src/recommend/eval_set.json (≥ 150 symptom
 * descriptions in English, Hindi, Tamil and Marathi, native script and romanised) and prints
 * top-1 and top-3 accuracy overall and per language. A benchmark, not a test: it never fails.
 *
 * Usage: deno task eval:recommend [--misses]
 *   --help     show this text
 *   --misses   also list the examples whose label is not in the top 3
 */
import { scoreSymptoms } from "../src/recommend/symptom_scorer.ts";

if (Deno.args.includes("--help")) {
  console.log("Usage: deno task eval:recommend [--misses]\nPrints top-1/top-3 accuracy.");
  Deno.exit(0);
}
interface Example {
  id: number;
  lang: string;
  text: string;
  expected: string;
}
const set: Example[] = JSON.parse(
  await Deno.readTextFile(new URL("../src/recommend/eval_set.json", import.meta.url)),
);
const tally = new Map<string, { n: number; top1: number; top3: number }>();
const misses: string[] = [];
for (const ex of set) {
  const ranked = scoreSymptoms(ex.text).map((s) => s.specialization as string);
  for (const key of ["all", ex.lang]) {
    const t = tally.get(key) ?? { n: 0, top1: 0, top3: 0 };
    t.n++;
    if (ranked[0] === ex.expected) t.top1++;
    if (ranked.slice(0, 3).includes(ex.expected)) t.top3++;
    tally.set(key, t);
  }
  if (!ranked.slice(0, 3).includes(ex.expected)) {
    misses.push(`#${ex.id} [${ex.lang}] expected ${ex.expected}, got ${ranked.join(", ") || "-"}`);
  }
}
const pct = (a: number, n: number) => `${((100 * a) / n).toFixed(1)}%`;
for (const [key, t] of tally) {
  console.log(
    `${key.padEnd(4)} n=${String(t.n).padStart(3)}  top-1 ${pct(t.top1, t.n)}  top-3 ${
      pct(t.top3, t.n)
    }`,
  );
}
if (Deno.args.includes("--misses")) { for (const m of misses) console.log(m); }
