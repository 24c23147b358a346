/**
 * The symptom corpus and the shipped model: the frozen test split cannot change unnoticed, the
 * committed splits are exactly what the seeded split gives, the model was trained on the
 * committed train split, and training is deterministic.
 */
import assert from "node:assert/strict";
import { LEXICON, SPECIALIZATIONS } from "../../src/recommend/lexicon.ts";
import type { ModelFile } from "../../src/recommend/linear_model.ts";
import { containsTerm, tokenize } from "../../src/recommend/normalize.ts";
import { featuresOf, skeleton } from "../../src/recommend/features.ts";
import { phoneticKey, romanize } from "../../src/recommend/phonetic_key.ts";
import { TermIndex } from "../../src/recommend/term_index.ts";
import {
  ADDED_DEV_SHARE,
  LANGUAGES,
  parseCorpusFile,
  parseJsonl,
  readCorpus,
  sha256Hex,
  splitCorpus,
  toJsonl,
} from "../../src/recommend/training/corpus.ts";
import { trainModel } from "../../src/recommend/training/train_logreg.ts";

/** The SHA-256 of corpus/splits/test.jsonl when it was frozen, before any model was trained. */
const FROZEN_TEST_SHA256 = "c3de0d4767bf48c31e8200dee63472ab8e195b7792639988ac6593265fd624d5";

const dir = new URL("../../src/recommend/corpus/", import.meta.url);
const read = (path: string) => Deno.readTextFile(new URL(path, dir));

Deno.test("corpus: the frozen test split still has the SHA-256 recorded when it was frozen", async () => {
  const test = await read("splits/test.jsonl");
  assert.equal(await sha256Hex(test), FROZEN_TEST_SHA256);
  assert.equal((await read("splits/test.sha256")).trim(), FROZEN_TEST_SHA256);
});

Deno.test("splitCorpus() reproduces the committed train, dev and test files", async () => {
  const splits = splitCorpus(await readCorpus(dir));
  for (const name of ["train", "dev", "test"] as const) {
    assert.equal(toJsonl(splits[name]), await read(`splits/${name}.jsonl`), name);
  }
  const ids = new Set([...splits.train, ...splits.dev].map((e) => e.id));
  assert.ok(splits.test.every((e) => !ids.has(e.id)), "a test description is also in train/dev");
});

Deno.test("splitOf() sends descriptions added after the freeze to train or dev, never test", async () => {
  const all = await readCorpus(dir);
  const added = all.filter((e) => e.added);
  assert.ok(added.length >= 150, `only ${added.length} added descriptions`);
  const splits = splitCorpus(all);
  const test = new Set(splits.test.map((e) => e.id));
  assert.ok(added.every((e) => !test.has(e.id)), "an added description landed in test");
  const dev = splits.dev.filter((e) => e.added).length;
  assert.ok(dev > 0 && dev < added.length * (ADDED_DEV_SHARE + 0.1), `${dev} of ${added.length}`);
  // The same line in a language file would be split like any other (and could land in test).
  const line = `KC|r|${added[0].text}`;
  assert.equal(parseCorpusFile(added[0].lang, line, true)[0].added, true);
  assert.equal(parseCorpusFile(added[0].lang, line)[0].added, undefined);
});

Deno.test("corpus covers every language and specialization, with red flags in each language", async () => {
  const all = await readCorpus(dir);
  assert.ok(all.length >= 1200, `only ${all.length} descriptions`);
  for (const lang of LANGUAGES) {
    const mine = all.filter((e) => e.lang === lang);
    assert.ok(mine.length >= 80, `${lang}: ${mine.length}`);
    assert.ok(mine.some((e) => e.triage === "emergency"), `${lang} has no emergency`);
    for (const spec of SPECIALIZATIONS) {
      assert.ok(mine.some((e) => e.label === spec), `${lang}/${spec}`);
    }
  }
});

Deno.test("model.json was trained on the committed train split", async () => {
  const model = JSON.parse(await Deno.readTextFile(new URL("../model.json", dir))) as ModelFile;
  const train = await read("splits/train.jsonl");
  assert.equal(model.trainedOn.sha256, await sha256Hex(train));
  assert.equal(model.trainedOn.examples, parseJsonl(train).length);
  assert.deepEqual(model.specialization.classes, [...SPECIALIZATIONS]);
});

Deno.test("trainModel() gives the same model for the same data and seed", async () => {
  const some = parseJsonl(await read("splits/train.jsonl")).slice(0, 80)
    .map((e) => ({ text: e.text, specialization: e.label, triage: e.triage }));
  const options = {
    specializations: SPECIALIZATIONS,
    triages: ["routine", "urgent", "emergency"],
    seed: 7,
    epochs: 3,
    learningRate: 0.5,
    l2: 1e-4,
    minCount: 1,
    pruneBelow: 0.01,
    precision: 3,
  };
  const on = { examples: some.length, seed: 7, sha256: "x" };
  const a = JSON.stringify(trainModel(some, options, on));
  assert.equal(JSON.stringify(trainModel(some, options, on)), a);
  assert.notEqual(JSON.stringify(trainModel(some, { ...options, seed: 8 }, on)), a);
});

Deno.test("tokenize() folds scripts, digits and romanisation variants onto one spelling", () => {
  assert.deepEqual(tokenize("জ্বর"), tokenize("ज्वर")); // Bengali and Devanagari
  assert.deepEqual(tokenize("ಜ್ವರ"), tokenize("ज्वर")); // Kannada
  assert.deepEqual(tokenize("Bukhaar!!"), tokenize("bukhar"));
  assert.deepEqual(tokenize("ज़ुकाम"), tokenize("जुकाम"));
  assert.deepEqual(tokenize("fever 103°"), ["fever", "000"]);
  assert.deepEqual(tokenize("بخار، کھانسي"), tokenize("بخار کھانسی")); // Arabic yeh → Farsi yeh
  assert.deepEqual(tokenize("chhati"), tokenize("chati")); // chh and ch, as romanisers write both
  assert.ok(LEXICON.length > 0);
});

Deno.test("phoneticKey() gives a Devanagari word and its romanised spellings one key", () => {
  const same = [
    ["बुखार", "bukhaar", "bukhar"],
    ["पेट", "pait", "pet"],
    ["में", "mein", "men"],
    ["कमजोरी", "kamzori", "kamjori"],
    ["छाती", "chhati", "chaati"],
    ["बवासीर", "bawaseer", "bavasir"],
    ["खाँसी", "khaansi", "khansi"],
    ["है", "hai"],
    ["জ্বর", "ज्वर"], // Bengali folds onto Devanagari first
  ];
  for (const spellings of same) {
    const keys = spellings.map((w) => phoneticKey(tokenize(w)[0]));
    assert.ok(keys.every((k) => k === keys[0] && k !== ""), `${spellings.join(", ")}: ${keys}`);
  }
  assert.notEqual(phoneticKey(tokenize("कान")[0]), phoneticKey(tokenize("कम")[0]));
  assert.equal(phoneticKey(tokenize("بخار")[0]), ""); // Urdu has no key
});

Deno.test("romanize() drops Hindi's inherent vowel at the end and between syllables", () => {
  assert.equal(romanize("दर्द"), "dard");
  assert.equal(romanize("कमजोरी"), "kamjorii");
  assert.equal(romanize("धडकन"), "dhadkan");
  assert.equal(romanize("समझना"), "samajhnaa");
  assert.equal(romanize("क"), "ka"); // a one-letter word keeps it
  assert.equal(romanize("सांस"), "saans");
});

Deno.test("featuresOf() shares n-grams between scripts and meets vowel-less SMS spellings", () => {
  const grams = (t: string) =>
    new Set([...featuresOf(t).features.keys()].filter((f) => !f.includes(":")));
  assert.deepEqual(grams("बुखार"), grams("bukhaar"));
  assert.equal(skeleton("dard"), "drd");
  assert.ok(featuresOf("kmr drd").features.has("s:kmr"));
  assert.ok(featuresOf("kamar dard").features.has("s:kmr"));
  assert.ok(featuresOf("kamar dard").features.has("s:drd"));
  assert.ok(featuresOf("بخار").features.has("<ب")); // no key: n-grams of the folded word
});

Deno.test("TermIndex finds exactly the terms containsTerm finds", () => {
  const terms = ["pet dard", "dard", "gas", "ga", "सीने", "बुखार", "kan", "ज्वर", "back pain"];
  const index = new TermIndex<string>();
  for (const t of terms) index.add(tokenize(t), t);
  for (
    const text of [
      "pet me dard aur gas",
      "pet dardnak hai, gaslight",
      "सीने में बुखार",
      "kaan me dard, kan",
      "জ্বর আর back painful",
      "",
    ]
  ) {
    const words = tokenize(text);
    const expected = terms.filter((t) => containsTerm(words, tokenize(t)));
    assert.deepEqual([...index.matches(words)].sort(), expected.sort(), text);
  }
});
