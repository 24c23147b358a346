/**
 * Trains the recommendation model (src/recommend/model.json) from the train split of the symptom
 * corpus (src/recommend/corpus/splits/train.jsonl) with fixed, seeded hyperparameters: the same
 * split gives the same file, byte for byte. The hyperparameters were chosen on the dev split
 * (scripts/eval_recommend.ts); the test split is never read here.
 *
 * Usage: deno task train:recommend [--check]
 *   --help    show this text
 *   --check   train, then fail if the result differs from the committed model.json
 */
import { SPECIALIZATIONS } from "../src/recommend/lexicon.ts";
import { parseJsonl, sha256Hex } from "../src/recommend/training/corpus.ts";
import { trainModel, type TrainOptions } from "../src/recommend/training/train_logreg.ts";

if (Deno.args.includes("--help")) {
  console.log("Usage: deno task train:recommend [--check]\nWrites src/recommend/model.json.");
  Deno.exit(0);
}

export const OPTIONS: TrainOptions = {
  specializations: SPECIALIZATIONS,
  triages: ["routine", "urgent", "emergency"],
  seed: 18,
  epochs: 30,
  learningRate: 0.5,
  l2: 1e-4,
  minCount: 2,
  pruneBelow: 0.05,
  precision: 2,
};

const dir = new URL("../src/recommend/", import.meta.url);
const source = await Deno.readTextFile(new URL("corpus/splits/train.jsonl", dir));
const examples = parseJsonl(source);
const started = performance.now();
const model = trainModel(
  examples.map((e) => ({ text: e.text, specialization: e.label, triage: e.triage })),
  OPTIONS,
  { examples: examples.length, seed: OPTIONS.seed, sha256: await sha256Hex(source) },
);
const json = JSON.stringify(model) + "\n";
const target = new URL("model.json", dir);
if (Deno.args.includes("--check")) {
  const committed = await Deno.readTextFile(target);
  if (committed !== json) {
    console.error("model.json differs from a fresh training run: run deno task train:recommend");
    Deno.exit(1);
  }
  console.log("model.json matches a fresh training run");
  Deno.exit(0);
}
await Deno.writeTextFile(target, json);
console.log(
  `trained on ${examples.length} descriptions in ${Math.round(performance.now() - started)} ms: ` +
    `${Object.keys(model.weights).length} features, ${(json.length / 1024).toFixed(0)} KiB`,
);
