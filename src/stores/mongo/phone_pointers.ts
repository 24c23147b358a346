/**
 * Phone blind index → record id, read by `_id`: collection `phones`, one document per kind and
 * phone, `_id: "<kind>:<phoneIndex>"`, `{recordId}`. FerretDB finds a document through an index
 * only for a filter that is exactly `{_id: <string>}` and scans the whole collection for
 * `{phoneIndex}` (docs/BENCHMARKS.md), and every sign-in looks a phone up.
 *
 * A pointer only finds a record; the unique `phoneIndex` index on the records stays the guard
 * against two records with one phone. Writers point the phone at their record before writing the
 * phone into it, so a record holding a phone always has that phone's pointer document. A pointer
 * can still name the wrong record (a crash before the record write, two writers racing for one
 * phone): a reader trusts it only if the record it names holds the phone, and otherwise asks the
 * records' own index once and points the phone at what that finds.
 */
import type { Db } from "mongodb";
import { ServiceUnavailableError } from "../../errors.ts";
import { isDuplicateKey } from "./driver_errors.ts";
import { groupedFindById, groupedInsert } from "./grouped.ts";

export interface PhonePointerDocument {
  _id: string;
  recordId: string;
}

export type PhoneKind = "doctor" | "patient";

export interface PhonePointers {
  /** The record id the phone points at, or null if no record was ever given this phone. */
  find(phoneIndex: string): Promise<string | null>;
  /**
   * Points the phone at `recordId` unless a record that `holds` it owns it ("taken"). Call before
   * writing the phone into the record.
   */
  point(
    phoneIndex: string,
    recordId: string,
    holds: (recordId: string) => Promise<boolean>,
  ): Promise<"pointed" | "taken">;
  /** Moves the pointer from `from` (a record that does not hold the phone) to `to`. */
  repoint(phoneIndex: string, from: string, to: string): Promise<void>;
  /** Deletes the pointer if it still names `recordId` (the record no longer has this phone). */
  drop(phoneIndex: string, recordId: string): Promise<void>;
}

/**
 * The grouped reads and inserts of `phones`, one pair per database, so that doctor and patient
 * pointers (a sign-in asks both) share commands.
 */
const groupedPhones = new WeakMap<Db, {
  findById: (id: string) => Promise<PhonePointerDocument | null>;
  insert: (doc: PhonePointerDocument) => Promise<void>;
}>();

function groupedPhonesOf(db: Db) {
  let found = groupedPhones.get(db);
  if (!found) {
    const phones = db.collection<PhonePointerDocument>("phones");
    found = { findById: groupedFindById(phones), insert: groupedInsert(phones) };
    groupedPhones.set(db, found);
  }
  return found;
}

export function createPhonePointers(db: Db, kind: PhoneKind): PhonePointers {
  const phones = db.collection<PhonePointerDocument>("phones");
  const key = (phoneIndex: string) => `${kind}:${phoneIndex}`;
  const { findById, insert } = groupedPhonesOf(db);

  /** Moves the pointer from `from` to `to`; false if it no longer named `from`. */
  async function moveFrom(phoneIndex: string, from: string, to: string): Promise<boolean> {
    // Filtered by the old id too: a scan on FerretDB, but only after a crash or a race.
    const res = await phones.replaceOne({ _id: key(phoneIndex), recordId: from }, { recordId: to });
    return res.matchedCount === 1;
  }

  return {
    async repoint(phoneIndex, from, to) {
      await moveFrom(phoneIndex, from, to);
    },

    async find(phoneIndex) {
      const doc = await findById(key(phoneIndex));
      return doc?.recordId ?? null;
    },

    async point(phoneIndex, recordId, holds) {
      for (let attempt = 0; attempt < 10; attempt++) {
        try {
          await insert({ _id: key(phoneIndex), recordId });
          return "pointed";
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
        const current = await phones.findOne({ _id: key(phoneIndex) });
        if (!current) continue;
        if (current.recordId === recordId) return "pointed";
        if (await holds(current.recordId)) return "taken";
        // Moved from a record that does not hold the phone: pointed, even if another writer racing
        // for the phone moves it on before this one writes its record. The records' unique index
        // picks the one record; a reader finding the pointer on a loser follows the index and
        // points it back (patient_store.ts). Checking again here instead let racing writers take
        // the pointer from each other until they gave up (10 at once, in the contract suite).
        if (await moveFrom(phoneIndex, current.recordId, recordId)) return "pointed";
      }
      throw new ServiceUnavailableError(
        `Could not point a ${kind} phone at ${recordId}; try again`,
      );
    },

    async drop(phoneIndex, recordId) {
      await phones.deleteOne({ _id: key(phoneIndex), recordId });
    },
  };
}

/** Fills `phones` from the records' phone indexes; run when migrate.ts creates the collection. */
export async function backfillPhonePointers(db: Db): Promise<number> {
  const phones = db.collection<PhonePointerDocument>("phones");
  let count = 0;
  for (const [collection, kind] of [["doctors", "doctor"], ["patients", "patient"]] as const) {
    const records = db.collection<{ _id: string; phoneIndex?: string }>(collection)
      .find({}, { projection: { phoneIndex: 1 } });
    for await (const r of records) {
      // Erased patients carry a per-patient placeholder ("none:<id>"), not a phone.
      if (!r.phoneIndex || r.phoneIndex.includes(":")) continue;
      const _id = `${kind}:${r.phoneIndex}`;
      await phones.replaceOne({ _id }, { recordId: r._id }, { upsert: true });
      count++;
    }
  }
  return count;
}
