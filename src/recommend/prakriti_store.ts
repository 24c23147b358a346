/**
 * A patient's latest prakriti (constitution) assessment in Deno KV under ["prakriti", patientId].
 * Only the three dosha scores and the answers' option ids are kept; no free text. The answers are
 * health data, so they are stored sealed (`answersSealed`, the data cipher; re-sealed by key
 * rotation through src/stores/sealed_fields.ts). An earlier version stored them in the clear
 * (`answers`): such a record still reads back, and its next save or a re-seal pass
 * (`rotate-keys --reseal-only`) seals it.
 */
import type { DataCipher } from "../crypto/data_cipher.ts";
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

/** The assessment as stored: the answers sealed (JSON), or in the clear from an earlier version. */
export interface StoredPrakriti extends Omit<PrakritiAssessment, "answers"> {
  answersSealed?: string;
  answers?: Record<string, string>;
}

export type { PrakritiStore } from "../stores/ports.ts";

export function createKvPrakritiStore(kv: Deno.Kv, cipher: DataCipher): PrakritiStore {
  return {
    async save(assessment) {
      const { answers, ...rest } = assessment;
      const stored: StoredPrakriti = {
        ...rest,
        answersSealed: await cipher.seal(JSON.stringify(answers)),
      };
      const res = await commit(() => kv.atomic().set(prakritiKey(assessment.patientId), stored));
      if (!res.ok) throw new Error(`Cannot save prakriti of ${assessment.patientId}`);
    },
    async get(patientId) {
      const stored =
        (await withKvRetry(() => kv.get<StoredPrakriti>(prakritiKey(patientId)))).value;
      if (!stored) return null;
      const { answersSealed, answers, ...rest } = stored;
      return {
        ...rest,
        answers: answersSealed ? JSON.parse(await cipher.open(answersSealed)) : answers ?? {},
      };
    },
    async remove(patientId) {
      const entry = await withKvRetry(() => kv.get(prakritiKey(patientId)));
      if (!entry.value) return false;
      await commit(() => kv.atomic().delete(prakritiKey(patientId)));
      return true;
    },
  };
}
