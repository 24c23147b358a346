/**
 * A patient's latest prakriti (constitution) assessment in Deno KV under ["prakriti", patientId].
 * Only the three dosha scores and the answers' option ids are kept; no free text.
 */
import type { PrakritiStore } from "../stores/ports.ts";
import type { PrakritiResult } from "./prakriti.ts";
import { commit, withKvRetry } from "../stores/kv/kv_commit.ts";
import { prakritiKey } from "../stores/kv/keys.ts";

export interface PrakritiAssessment {
  patientId: string;
  /** Shares of the answers, 0..1, summing to 1. */
  scores: PrakritiResult["scores"];
  type: PrakritiResult["type"];
  doshas: PrakritiResult["doshas"];
  answers: Record<string, string>;
  assessedAt: string;
}

export type { PrakritiStore } from "../stores/ports.ts";

export function createKvPrakritiStore(kv: Deno.Kv): PrakritiStore {
  return {
    async save(assessment) {
      const res = await commit(() =>
        kv.atomic().set(prakritiKey(assessment.patientId), assessment)
      );
      if (!res.ok) throw new Error(`Cannot save prakriti of ${assessment.patientId}`);
    },
    async get(patientId) {
      return (await withKvRetry(() => kv.get<PrakritiAssessment>(prakritiKey(patientId)))).value;
    },
    async remove(patientId) {
      const entry = await withKvRetry(() => kv.get(prakritiKey(patientId)));
      if (!entry.value) return false;
      await commit(() => kv.atomic().delete(prakritiKey(patientId)));
      return true;
    },
  };
}
