/**
 * What one recommendation costs before any store is read: normalise, featurise, score with the
 * trained model and the lexicon, and triage. The target is well under 5 ms per request.
 * Loading model.json happens once at start (import) and is not measured here.
 *
 * Run: deno bench -A bench/recommend_bench.ts
 */
import { analyzeSymptoms } from "../src/recommend/symptom_scorer.ts";
import { assessTriage } from "../src/recommend/triage.ts";

const TEXTS: Record<string, string> = {
  "short English": "piles bleeding",
  "romanised Hindi": "2 din se bukhar hai aur pura badan toot raha hai, khansi bhi",
  "long Tamil": "என் அம்மாவுக்கு 70 வயசு, ரெண்டு வாரமா முழங்கால் வலி, படி ஏற முடியல, ராத்திரி தூக்கம் " +
    "வரல, சுகர் இருக்கு, சாப்பிட்டதும் நெஞ்செரிச்சல், கண் மங்கலா தெரியுது",
  "Urdu emergency": "سینے میں شدید درد بائیں بازو اور جبڑے تک جا رہا ہے، پسینہ",
  "1000 characters": "knee pain and swelling in the morning, ".repeat(25).slice(0, 1000),
};

for (const [name, text] of Object.entries(TEXTS)) {
  Deno.bench(`analyzeSymptoms + assessTriage: ${name}`, () => {
    const a = analyzeSymptoms(text);
    assessTriage(a.words, a.triage);
  });
}
