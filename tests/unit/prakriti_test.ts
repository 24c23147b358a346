/**
 * The prakriti questionnaire and scoring (src/recommend/prakriti.ts): enough items, options whose
 * position and id do not give away their dosha, and dual and sama results without a tie-break
 * towards any dosha.
 */
import assert from "node:assert/strict";
import {
  type Dosha,
  DOSHAS,
  prakritiType,
  QUESTIONNAIRE,
  scorePrakriti,
  SOURCES,
} from "../../src/recommend/prakriti.ts";

/** Answers giving `counts[d]` items to each dosha, in questionnaire order. */
function answersFor(counts: Record<Dosha, number>): Record<string, string> {
  const left = { ...counts };
  const out: Record<string, string> = {};
  for (const q of QUESTIONNAIRE) {
    const d = DOSHAS.find((x) => left[x] > 0)!;
    left[d]--;
    out[q.id] = q.options.find((o) => o.dosha === d)!.id;
  }
  return out;
}

Deno.test("QUESTIONNAIRE has at least 20 items with one option per dosha, sourced", () => {
  assert.ok(QUESTIONNAIRE.length >= 20, `${QUESTIONNAIRE.length} items`);
  assert.ok(SOURCES.length >= 2);
  for (const q of QUESTIONNAIRE) {
    assert.deepEqual(q.options.map((o) => o.dosha).sort(), [...DOSHAS].sort(), q.id);
    for (const o of q.options) {
      assert.doesNotMatch(o.id, /vata|pitta|kapha/, "an option id does not name its dosha");
      assert.ok(o.text.en && o.text.hi, `${o.id} has both texts`);
    }
  }
  assert.equal(new Set(QUESTIONNAIRE.map((q) => q.id)).size, QUESTIONNAIRE.length);
});

Deno.test("QUESTIONNAIRE: no option position stands for one dosha", () => {
  for (let position = 0; position < 3; position++) {
    const at = QUESTIONNAIRE.map((q) => q.options[position].dosha);
    for (const d of DOSHAS) {
      const share = at.filter((x) => x === d).length / at.length;
      assert.ok(share > 0.2 && share < 0.5, `position ${position} is ${d} in ${share} of items`);
    }
  }
});

Deno.test("scorePrakriti() gives single, dual and sama types and reads the shares back", () => {
  const n = QUESTIONNAIRE.length;
  const single = scorePrakriti(answersFor({ vata: n - 8, pitta: 4, kapha: 4 }));
  assert.equal(single.type, "vata");
  assert.deepEqual(single.doshas, ["vata"]);
  assert.equal(single.scores.vata, (n - 8) / n);

  const dual = scorePrakriti(answersFor({ vata: 2, pitta: n - 12, kapha: 10 }));
  assert.equal(dual.type, "pitta-kapha");
  assert.deepEqual(dual.doshas, ["pitta", "kapha"]);

  const sama = scorePrakriti(answersFor({ vata: 8, pitta: 8, kapha: n - 16 }));
  assert.equal(sama.type, "sama");
  assert.equal(sama.doshas.length, 3);
});

Deno.test("prakritiType() breaks no tie towards vata", () => {
  assert.deepEqual(prakritiType({ vata: 0.2, pitta: 0.4, kapha: 0.4 }), {
    type: "pitta-kapha",
    doshas: ["pitta", "kapha"],
  });
  const tie = prakritiType({ vata: 0.45, pitta: 0.45, kapha: 0.1 });
  assert.equal(tie.type, "vata-pitta");
  assert.equal(prakritiType({ vata: 0.2, pitta: 0.3, kapha: 0.5 }).type, "kapha");
  assert.equal(prakritiType({ vata: 0.3, pitta: 0.3, kapha: 0.4 }).type, "sama");
});

Deno.test("scorePrakriti() refuses a missing, unknown or foreign answer", () => {
  const ok = answersFor({ vata: 8, pitta: 8, kapha: QUESTIONNAIRE.length - 16 });
  const { frame: _, ...missing } = ok;
  assert.throws(() => scorePrakriti(missing), /answers\.frame must be one of its option ids/);
  assert.throws(() => scorePrakriti({ ...ok, extra: "x.a" }), /answers\.extra is not a question/);
  assert.throws(() => scorePrakriti({ ...ok, frame: "skin.a" }), /answers\.frame/);
});
