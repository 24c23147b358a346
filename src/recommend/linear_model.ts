/**
 * A multinomial logistic-regression model over text features (features.ts), shipped as JSON
 * (model.json, written by `deno task train:recommend`) and loaded once at start. It has two
 * heads that share the features: the specialization and the triage. Inputs are binary features
 * scaled by 1/√n so long and short descriptions weigh alike. Pure and synchronous.
 */
import type { TextFeatures } from "./features.ts";

export interface ModelHead {
  classes: string[];
  bias: number[];
}

/** The JSON on disk: per feature, the weights of every head's classes, concatenated. */
export interface ModelFile {
  version: 1;
  trainedOn: { examples: number; seed: number; sha256: string };
  specialization: ModelHead;
  triage: ModelHead;
  /** Decimal places the weights were rounded to. */
  precision: number;
  weights: Record<string, number[]>;
}

export interface HeadPrediction {
  probabilities: Map<string, number>;
  /** The words that pushed `cls` up most, strongest first (computed on demand). */
  evidence(cls: string): string[];
}

export interface Prediction {
  specialization: HeadPrediction;
  triage: HeadPrediction;
  /** How many of the text's words the model knows as whole words. */
  knownWords: number;
}

export interface LinearModel {
  predict(f: TextFeatures): Prediction;
  /** How many features the model knows. */
  size: number;
}

function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Builds a model from its JSON; throws on a file whose shapes disagree. */
export function loadModel(file: ModelFile): LinearModel {
  const k1 = file.specialization.classes.length;
  const k2 = file.triage.classes.length;
  const weights = new Map<string, Float64Array>();
  for (const [f, w] of Object.entries(file.weights)) {
    if (w.length !== k1 + k2) {
      throw new Error(`Cannot load model: feature "${f}" has ${w.length} weights, not ${k1 + k2}`);
    }
    weights.set(f, Float64Array.from(w));
  }
  function head(h: ModelHead, from: number, f: TextFeatures): HeadPrediction {
    const k = h.classes.length;
    const z = [...h.bias];
    const scale = 1 / Math.sqrt(Math.max(1, f.features.size));
    // Per word and class: what the word adds to the class over the others (not its raw weight).
    const byWord = new Float64Array(f.words.length * k);
    for (const [feat, word] of f.features) {
      const w = weights.get(feat);
      if (!w) continue;
      let mean = 0;
      for (let c = 0; c < k; c++) mean += w[from + c] / k;
      for (let c = 0; c < k; c++) {
        z[c] += w[from + c] * scale;
        byWord[word * k + c] += (w[from + c] - mean) * scale;
      }
    }
    const p = softmax(z);
    return {
      probabilities: new Map(h.classes.map((c, i) => [c, p[i]])),
      evidence(cls: string) {
        const c = h.classes.indexOf(cls);
        if (c < 0) return [];
        // Words of one or two letters ("my", "से") are grammar, not evidence a patient can read.
        return f.words.map((w, i) => ({
          w: w.surface,
          v: byWord[i * k + c],
          n: [...w.folded].length,
        }))
          .filter((x) => x.v > 0 && x.n > 2).sort((a, b) => b.v - a.v).map((x) => x.w)
          .filter((w, j, all) => all.indexOf(w) === j);
      },
    };
  }

  return {
    size: weights.size,
    predict: (f) => ({
      specialization: head(file.specialization, 0, f),
      triage: head(file.triage, k1, f),
      knownWords: [...f.features.keys()].filter((k) => k.startsWith("w:") && weights.has(k))
        .length,
    }),
  };
}
