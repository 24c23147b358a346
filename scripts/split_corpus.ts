/**
 * Splits the authored symptom corpus (src/recommend/corpus/<lang>.txt) into
 * src/recommend/corpus/splits/{train,dev,test}.jsonl with the seeded hash split of
 * src/recommend/training/corpus.ts, and records the SHA-256 of test.jsonl in test.sha256.
 * The test split is frozen: once test.sha256 exists this script refuses to write a different
 * test split unless given --refreeze (which a reviewer must see in the diff).
 *
 * Usage: deno task corpus:split [--refreeze]
 *   --help       show this text
 *   --refreeze   accept a changed test split and record its new hash
 */
import { readCorpus, sha256Hex, splitCorpus, toJsonl } from "../src/recommend/training/corpus.ts";

if (Deno.args.includes("--help")) {
  console.log("Usage: deno task corpus:split [--refreeze]\nWrites train/dev/test JSONL splits.");
  Deno.exit(0);
}
const data = new URL("../src/recommend/corpus/", import.meta.url);
const splits = splitCorpus(await readCorpus(data));
const test = toJsonl(splits.test);
const hash = await sha256Hex(test);
const hashFile = new URL("splits/test.sha256", data);
const frozen = await Deno.readTextFile(hashFile).then((s) => s.trim()).catch(() => null);
if (frozen !== null && frozen !== hash && !Deno.args.includes("--refreeze")) {
  console.error(
    `Refusing to change the frozen test split: test.sha256 is ${frozen}, the corpus now gives ` +
      `${hash}. Add new descriptions without touching test ones, or pass --refreeze.`,
  );
  Deno.exit(1);
}
await Deno.mkdir(new URL("splits/", data), { recursive: true });
for (const name of ["train", "dev", "test"] as const) {
  await Deno.writeTextFile(new URL(`splits/${name}.jsonl`, data), toJsonl(splits[name]));
  console.log(`${name.padEnd(5)} ${String(splits[name].length).padStart(4)} descriptions`);
}
await Deno.writeTextFile(hashFile, hash + "\n");
console.log(`test.sha256 ${hash}`);
