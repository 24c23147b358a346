/**
 * Patients in MongoDB (`patients` collection): one patient per phone blind index, enforced by a
 * unique index, so `getOrCreate` is race-safe without transactions, and found through `phones`
 * pointers read by `_id` (phone_pointers.ts); updates check `version` under the patient's lock (see
 * doctor_store.ts). Only sealed values and the blind index are stored; this module never sees a
 * plaintext phone.
 *
 * FerretDB has no partial indexes, so a patient without a phone index (erased) is stored with a
 * per-patient placeholder instead of "", which would collide in the unique index.
 */
import type { Db } from "mongodb";
import { ConflictError } from "../../errors.ts";
import type { PatientStore } from "../ports.ts";
import type { PatientRecord } from "../records.ts";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import { fromDocument, type Stored, toDocument } from "./documents.ts";
import { isDuplicateKey } from "./driver_errors.ts";
import { groupedFindById, groupedInsert } from "./grouped.ts";
import type { Locks } from "./locks.ts";
import { createPhonePointers } from "./phone_pointers.ts";

export type PatientDocument = Stored<PatientRecord>;

/** Real indexes are base64url HMACs, which never contain ":". */
const NO_PHONE_PREFIX = "none:";

function toPatientDocument(p: PatientRecord): PatientDocument {
  const doc = toDocument(p);
  return p.phoneIndex ? doc : { ...doc, phoneIndex: NO_PHONE_PREFIX + p.id };
}

function fromPatientDocument(doc: PatientDocument): PatientRecord {
  const p = fromDocument<PatientRecord>(doc);
  return p.phoneIndex.startsWith(NO_PHONE_PREFIX) ? { ...p, phoneIndex: "" } : p;
}

export function createMongoPatientStore(db: Db, locks: Locks): PatientStore {
  const patients = db.collection<PatientDocument>("patients");
  const pointers = createPhonePointers(db, "patient");
  const findById = groupedFindById(patients);
  const insertPatient = groupedInsert(patients);

  async function get(id: string) {
    const doc = await findById(id);
    return doc ? fromPatientDocument(doc) : null;
  }

  const holds = (phoneIndex: string) => async (id: string) =>
    (await get(id))?.phoneIndex === phoneIndex;

  async function findByPhoneIndex(phoneIndex: string) {
    if (!phoneIndex) return null;
    const id = await pointers.find(phoneIndex);
    if (id === null) return null;
    const pointed = await get(id);
    if (pointed?.phoneIndex === phoneIndex) return pointed;
    // A crash or a race left the pointer on another record: the unique index decides.
    const doc = await patients.findOne({ phoneIndex });
    if (!doc) return null;
    await pointers.repoint(phoneIndex, id, doc._id);
    return fromPatientDocument(doc);
  }

  return {
    get,
    findByPhoneIndex,

    async list(limit, cursor) {
      const filter = cursor ? { _id: { $gt: decodeCursor(cursor, ["string"])[0] } } : {};
      const docs = await patients.find(filter).sort({ _id: 1 }).limit(limit + 1).toArray();
      const items = docs.slice(0, limit).map(fromPatientDocument);
      const last = items.at(-1);
      return {
        items,
        nextCursor: docs.length > limit && last ? encodeCursor([last.id]) : null,
      };
    },

    async getOrCreate(candidate, options) {
      for (let attempt = 0; attempt < 3; attempt++) {
        if (attempt > 0 || !options?.absent) {
          const existing = await findByPhoneIndex(candidate.phoneIndex);
          if (existing) return existing;
        }
        const { phoneIndex, id } = candidate;
        if (phoneIndex && await pointers.point(phoneIndex, id, holds(phoneIndex)) === "taken") {
          continue;
        }
        try {
          await insertPatient(toPatientDocument(candidate));
          return candidate;
        } catch (err) {
          // Another request registered this phone (or used this id) first: read theirs.
          if (!isDuplicateKey(err)) throw err;
        }
      }
      throw new ConflictError("patient_conflict", "Could not register the patient; try again");
    },

    update(next) {
      return locks.withLock(`patient:${next.id}`, async () => {
        const current = await get(next.id);
        if (!current || current.version !== next.version - 1) {
          throw new ConflictError("version_conflict", `Patient ${next.id} changed; try again`);
        }
        const moved = current.phoneIndex !== next.phoneIndex;
        const taken = () =>
          new ConflictError("patient_exists", "Another patient has this phone number");
        if (
          moved && next.phoneIndex &&
          await pointers.point(next.phoneIndex, next.id, holds(next.phoneIndex)) === "taken"
        ) {
          throw taken();
        }
        try {
          await patients.replaceOne({ _id: next.id }, toPatientDocument(next));
        } catch (err) {
          if (isDuplicateKey(err)) throw taken();
          throw err;
        }
        // An erased or changed phone leaves no pointer naming this patient.
        if (moved && current.phoneIndex) await pointers.drop(current.phoneIndex, next.id);
      });
    },
  };
}
