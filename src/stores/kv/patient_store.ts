/** Patients in Deno KV: the record under ["patient", id] and a unique phone blind-index lookup. */
import { ConflictError } from "../../errors.ts";
import type { PatientStore } from "../ports.ts";
import type { PatientRecord } from "../records.ts";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import { groupCommitOf } from "./group_commit.ts";
import { commit, withKvRetry } from "./kv_commit.ts";
import { keySpace, patientByPhoneKey, patientKey } from "./keys.ts";

export function createKvPatientStore(kv: Deno.Kv): PatientStore {
  async function get(id: string) {
    return (await withKvRetry(() => kv.get<PatientRecord>(patientKey(id)))).value;
  }
  async function findByPhoneIndex(phoneIndex: string) {
    const ref = await withKvRetry(() => kv.get<string>(patientByPhoneKey(phoneIndex)));
    return ref.value ? await get(ref.value) : null;
  }
  return {
    get,
    findByPhoneIndex,
    async list(limit, cursor) {
      const after = cursor ? decodeCursor(cursor, ["string"])[0] : undefined;
      const prefix = keySpace("patient");
      const selector: Deno.KvListSelector = typeof after === "string"
        ? { prefix, start: [...prefix, after + "\u0000"] }
        : { prefix };
      const items: PatientRecord[] = [];
      let hasMore = false;
      for await (const e of kv.list<PatientRecord>(selector, { limit: limit + 1 })) {
        if (items.length === limit) {
          hasMore = true;
          break;
        }
        items.push(e.value);
      }
      const last = items.at(-1);
      return { items, nextCursor: hasMore && last ? encodeCursor([last.id]) : null };
    },
    async getOrCreate(candidate, options) {
      for (let attempt = 0; attempt < 5; attempt++) {
        if (attempt > 0 || !options?.absent) {
          const existing = await findByPhoneIndex(candidate.phoneIndex);
          if (existing) return existing;
        }
        const res = await groupCommitOf(kv).commit((op) =>
          op
            .check({ key: patientByPhoneKey(candidate.phoneIndex), versionstamp: null })
            .check({ key: patientKey(candidate.id), versionstamp: null })
            .set(patientKey(candidate.id), candidate)
            .set(patientByPhoneKey(candidate.phoneIndex), candidate.id)
        );
        if (res.ok) return candidate;
      }
      throw new ConflictError("patient_conflict", "Could not register the patient; try again");
    },
    async update(next) {
      const current = await withKvRetry(() => kv.get<PatientRecord>(patientKey(next.id)));
      if (!current.value || current.value.version !== next.version - 1) {
        throw new ConflictError("version_conflict", `Patient ${next.id} changed; try again`);
      }
      const prev = current.value;
      const res = await commit(() => {
        const op = kv.atomic().check(current).set(patientKey(next.id), next);
        if (prev.phoneIndex !== next.phoneIndex) {
          op.delete(patientByPhoneKey(prev.phoneIndex));
          if (next.phoneIndex) op.set(patientByPhoneKey(next.phoneIndex), next.id);
        }
        return op;
      });
      if (!res.ok) throw new ConflictError("version_conflict", `Patient ${next.id} changed`);
    },
  };
}
