/**
 * Trains the two-headed logistic-regression model of linear_model.ts from labelled examples:
 * features from features.ts kept when at least `minCount` training texts have them, AdaGrad
 * stochastic gradient descent in an order shuffled by a seeded generator (so the same data and
 * seed give the same model, byte for byte), L2 regularisation, class weights for the rare triage
 * classes, and pruning of near-zero weights so the shipped file stays small.
 */
import { seededRandom } from "../../domain/seeded_random.ts";
import { featuresOf } from "../features.ts";
import type { ModelFile } from "../linear_model.ts";

export interface TrainExample {
  text: string;
  specialization: string;
  triage: string;
}

export interface TrainOptions {
  specializations: readonly string[];
  triages: readonly string[];
  seed: number;
  epochs: number;
  learningRate: number;
  l2: number;
  minCount: number;
  /** Features whose every weight is below this (absolute) are dropped from the file. */
  pruneBelow: number;
  precision: number;
}

export function trainModel(
  examples: TrainExample[],
  o: TrainOptions,
  trainedOn: ModelFile["trainedOn"],
): ModelFile {
  const k1 = o.specializations.length;
  const k2 = o.triages.length;
  const k = k1 + k2;
  const docs = examples.map((e) => [...featuresOf(e.text).features.keys()]);
  const df = new Map<string, number>();
  for (const d of docs) for (const f of d) df.set(f, (df.get(f) ?? 0) + 1);
  const vocab = [...df.entries()].filter(([, n]) => n >= o.minCount).map(([f]) => f).sort();
  const index = new Map(vocab.map((f, i) => [f, i]));
  const rows = examples.map((e, i) => {
    const s = o.specializations.indexOf(e.specialization);
    const t = o.triages.indexOf(e.triage);
    if (s < 0 || t < 0) throw new Error(`Cannot train on "${e.specialization}/${e.triage}"`);
    return {
      feats: docs[i].map((f) => index.get(f)).filter((j): j is number => j !== undefined),
      scale: 1 / Math.sqrt(Math.max(1, docs[i].length)),
      s,
      t,
    };
  });
  // Rare triage classes weigh more (square root of inverse frequency keeps it gentle).
  const tCount = o.triages.map((_, c) => rows.filter((r) => r.t === c).length);
  const tWeight = tCount.map((n) => Math.sqrt(rows.length / (k2 * Math.max(1, n))));

  const w = new Float64Array(vocab.length * k);
  const g = new Float64Array(vocab.length * k).fill(1e-6);
  const b = new Float64Array(k);
  const gb = new Float64Array(k).fill(1e-6);
  const random = seededRandom(o.seed);
  const order = rows.map((_, i) => i);
  const z = new Float64Array(k);
  const grad = new Float64Array(k);

  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const r of order.map((i) => rows[i])) {
      z.set(b);
      for (const j of r.feats) for (let c = 0; c < k; c++) z[c] += w[j * k + c] * r.scale;
      for (const [from, n, y, weight] of [[0, k1, r.s, 1], [k1, k2, r.t, tWeight[r.t]]]) {
        let m = -Infinity;
        for (let c = from; c < from + n; c++) m = Math.max(m, z[c]);
        let sum = 0;
        for (let c = from; c < from + n; c++) sum += Math.exp(z[c] - m);
        for (let c = from; c < from + n; c++) {
          grad[c] = (Math.exp(z[c] - m) / sum - (c - from === y ? 1 : 0)) * weight;
        }
      }
      for (let c = 0; c < k; c++) {
        gb[c] += grad[c] * grad[c];
        b[c] -= (o.learningRate * grad[c]) / Math.sqrt(gb[c]);
      }
      for (const j of r.feats) {
        for (let c = 0; c < k; c++) {
          const at = j * k + c;
          const d = grad[c] * r.scale + o.l2 * w[at];
          g[at] += d * d;
          w[at] -= (o.learningRate * d) / Math.sqrt(g[at]);
        }
      }
    }
  }

  const round = (v: number) => Math.round(v * 10 ** o.precision) / 10 ** o.precision;
  const weights: Record<string, number[]> = {};
  vocab.forEach((f, j) => {
    const row = Array.from(w.subarray(j * k, j * k + k));
    if (row.some((v) => Math.abs(v) >= o.pruneBelow)) weights[f] = row.map(round);
  });
  return {
    version: 1,
    trainedOn,
    specialization: { classes: [...o.specializations], bias: Array.from(b.subarray(0, k1), round) },
    triage: { classes: [...o.triages], bias: Array.from(b.subarray(k1), round) },
    precision: o.precision,
    weights,
  };
}
