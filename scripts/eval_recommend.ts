/**
 * Evaluates the recommender on the corpus splits (src/recommend/corpus/splits): top-1 and top-3
 * accuracy of the specialization ranking overall and per language, a confusion matrix of the top
 * choice by specialization, and triage (emergency recall and precision, urgent-or-worse recall).
 * Reports dev and the frozen test split separately (and dev's descriptions written after the
 * freeze, corpus/added, apart from the rest); tune on dev only. A benchmark, not a test:
 * it never fails, the targets are printed beside the figures.
 *
 * Usage: deno task eval:recommend [--split dev|test] [--markdown] [--misses]
 *   --help       show this text
 *   --split X    evaluate only split X (default: dev, then test)
 *   --markdown   print Markdown tables (as in docs/RECOMMENDATIONS.md)
 *   --misses     list dev descriptions whose label is not in the top 3 (never for test)
 */
import { SPECIALIZATIONS } from "../src/recommend/lexicon.ts";
import { analyzeSymptoms } from "../src/recommend/symptom_scorer.ts";
import {
  type Example,
  LANGUAGES,
  parseJsonl,
  readCorpus,
} from "../src/recommend/training/corpus.ts";
import { assessTriage } from "../src/recommend/triage.ts";

const args = Deno.args;
if (args.includes("--help")) {
  console.log(
    "Usage: deno task eval:recommend [--split dev|test] [--markdown] [--misses]\n" +
      "Prints top-1/top-3 accuracy, per-language and confusion tables, and triage figures.",
  );
  Deno.exit(0);
}
const only = args.includes("--split") ? args[args.indexOf("--split") + 1] : null;
const markdown = args.includes("--markdown");
const splits = only ? [only] : ["dev", "test"];
const pct = (a: number, n: number) => n === 0 ? "-" : `${((100 * a) / n).toFixed(1)}%`;

interface Tally {
  n: number;
  top1: number;
  top3: number;
}

function evaluate(examples: Example[]) {
  const byLang = new Map<string, Tally>(LANGUAGES.map((l) => [l, { n: 0, top1: 0, top3: 0 }]));
  const all: Tally = { n: 0, top1: 0, top3: 0 };
  const confusion = new Map<string, Map<string, number>>();
  const tri = {
    emergencies: 0,
    caught: 0,
    flagged: 0,
    flaggedRight: 0,
    urgentOrWorse: 0,
    raised: 0,
    routine: 0,
    overTriaged: 0,
    unrecognised: 0,
  };
  const misses: string[] = [];
  for (const ex of examples) {
    const a = analyzeSymptoms(ex.text);
    const ranked = a.ranked.map((s) => s.specialization as string);
    const t = assessTriage(a.words, a.triage).triage;
    for (const tally of [all, byLang.get(ex.lang)!]) {
      tally.n++;
      if (ranked[0] === ex.label) tally.top1++;
      if (ranked.slice(0, 3).includes(ex.label)) tally.top3++;
    }
    const row = confusion.get(ex.label) ?? new Map<string, number>();
    row.set(ranked[0], (row.get(ranked[0]) ?? 0) + 1);
    confusion.set(ex.label, row);
    if (ex.triage === "emergency") tri.emergencies++;
    if (ex.triage === "emergency" && t === "emergency") tri.caught++;
    if (t === "emergency") tri.flagged++;
    if (t === "emergency" && ex.triage === "emergency") tri.flaggedRight++;
    if (ex.triage !== "routine") tri.urgentOrWorse++;
    if (ex.triage !== "routine" && t !== "routine") tri.raised++;
    if (ex.triage === "routine") tri.routine++;
    if (ex.triage === "routine" && t !== "routine") tri.overTriaged++;
    if (!a.recognised) tri.unrecognised++;
    if (!ranked.slice(0, 3).includes(ex.label)) {
      misses.push(
        `[${ex.lang}] expected ${ex.label}, got ${ranked.slice(0, 3).join(", ")}: ${ex.text}`,
      );
    }
  }
  return { all, byLang, confusion, tri, misses };
}

const short = (s: string) => s.replace(" Tantra", "").replace("Kaumarbhritya", "Kaumar.");

const added = new Set(
  (await readCorpus(new URL("../src/recommend/corpus/", import.meta.url)))
    .filter((e) => e.added).map((e) => e.id),
);
const share = (t: Tally) => `n=${t.n}, top-1 ${pct(t.top1, t.n)}, top-3 ${pct(t.top3, t.n)}`;

for (const split of splits) {
  const examples = parseJsonl(
    await Deno.readTextFile(
      new URL(`../src/recommend/corpus/splits/${split}.jsonl`, import.meta.url),
    ),
  );
  const r = evaluate(examples);
  const head = `${split} (${r.all.n} descriptions): top-1 ${pct(r.all.top1, r.all.n)} ` +
    `(target ≥ 75%), top-3 ${pct(r.all.top3, r.all.n)} (target ≥ 92%)`;
  const triage = `triage: emergency recall ${pct(r.tri.caught, r.tri.emergencies)} ` +
    `(${r.tri.caught}/${r.tri.emergencies}), precision ${pct(r.tri.flaggedRight, r.tri.flagged)} ` +
    `(${r.tri.flaggedRight}/${r.tri.flagged}); urgent-or-emergency raised ` +
    `${pct(r.tri.raised, r.tri.urgentOrWorse)} (${r.tri.raised}/${r.tri.urgentOrWorse}); ` +
    `routine answered urgent or emergency ${pct(r.tri.overTriaged, r.tri.routine)} ` +
    `(${r.tri.overTriaged}/${r.tri.routine}); not recognised ${r.tri.unrecognised}`;
  const late = examples.filter((e) => added.has(e.id));
  const parts = late.length === 0 ? "" : `written before the freeze: ` +
    `${share(evaluate(examples.filter((e) => !added.has(e.id))).all)}; written after it ` +
    `(corpus/added): ${share(evaluate(late).all)}`;
  if (markdown) {
    console.log(`### ${split}\n\n${head}; ${triage}.${parts ? ` ${parts}.` : ""}\n`);
    console.log("| language | n | top-1 | top-3 |\n| --- | ---: | ---: | ---: |");
    for (const [lang, t] of r.byLang) {
      console.log(`| ${lang} | ${t.n} | ${pct(t.top1, t.n)} | ${pct(t.top3, t.n)} |`);
    }
    console.log(`\nConfusion of the top choice (rows: label, columns: predicted):\n`);
    console.log(`| label \\ predicted | ${SPECIALIZATIONS.map(short).join(" | ")} |`);
    console.log(`| --- |${" ---: |".repeat(SPECIALIZATIONS.length)}`);
    for (const label of SPECIALIZATIONS) {
      const row = r.confusion.get(label) ?? new Map();
      console.log(`| ${label} | ${SPECIALIZATIONS.map((p) => row.get(p) ?? 0).join(" | ")} |`);
    }
    console.log("");
  } else {
    console.log(head);
    console.log(triage);
    if (parts) console.log(parts);
    for (const [lang, t] of r.byLang) {
      const flag = t.n > 0 && t.top3 / t.n < 0.85 ? "  < 85% top-3" : "";
      console.log(
        `  ${lang.padEnd(8)} n=${String(t.n).padStart(3)}  top-1 ${pct(t.top1, t.n).padStart(6)}` +
          `  top-3 ${pct(t.top3, t.n).padStart(6)}${flag}`,
      );
    }
  }
  if (args.includes("--misses") && split === "dev") { for (const m of r.misses) console.log(m); }
}
