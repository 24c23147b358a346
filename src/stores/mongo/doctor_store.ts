/**
 * Doctors in MongoDB (`doctors` collection): the phone blind index is unique (see migrate.ts) and
 * found through `phones` pointers read by `_id` (phone_pointers.ts), updates check `version` under
 * the doctor's lock (a filter on `{_id, version}` is a scan on FerretDB, and FerretDB does not apply
 * it atomically either), and search filters by specialization, language and city
 * (case-insensitive, like the KV adapter: documents carry lower-cased copies under `search`, which
 * are indexed) plus a case-insensitive name substring, ordered by `_id`; deactivated doctors are
 * left out (or, for the admin's listing, the only ones kept).
 */
import type { Db, Filter } from "mongodb";
import { ConflictError } from "../../errors.ts";
import type { DoctorStore, Page } from "../ports.ts";
import type { DoctorRecord } from "../records.ts";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import { escapeRegex, fromDocument, type Stored, toDocument } from "./documents.ts";
import { isDuplicateKey } from "./driver_errors.ts";
import { groupedFindById } from "./grouped.ts";
import type { Locks } from "./locks.ts";
import { createPhonePointers } from "./phone_pointers.ts";

export type DoctorDocument = Stored<DoctorRecord> & {
  search?: { specializations: string[]; languages: string[]; city: string };
};

function toDoctorDocument(d: DoctorRecord): DoctorDocument {
  const lower = (v: string) => v.toLowerCase();
  return {
    ...toDocument(d),
    search: {
      specializations: d.specializations.map(lower),
      languages: d.languages.map(lower),
      city: lower(d.city),
    },
  };
}

function fromDoctorDocument(doc: DoctorDocument): DoctorRecord {
  const { search: _search, ...rest } = doc;
  return fromDocument<DoctorRecord>(rest);
}

function doctorExists(): ConflictError {
  return new ConflictError("doctor_exists", "A doctor with this phone number already exists");
}

export function createMongoDoctorStore(db: Db, locks: Locks): DoctorStore {
  const doctors = db.collection<DoctorDocument>("doctors");
  const pointers = createPhonePointers(db, "doctor");
  const findById = groupedFindById(doctors);

  async function get(id: string) {
    const doc = await findById(id);
    return doc ? fromDoctorDocument(doc) : null;
  }

  const holds = (phoneIndex: string) => async (id: string) =>
    (await get(id))?.phoneIndex === phoneIndex;

  function versionConflict(id: string): ConflictError {
    return new ConflictError(
      "version_conflict",
      `Doctor ${id} changed since it was read; reload and try again`,
    );
  }

  return {
    get,

    async create(doctor) {
      const pointed = await pointers.point(doctor.phoneIndex, doctor.id, holds(doctor.phoneIndex));
      if (pointed === "taken") throw doctorExists();
      try {
        await doctors.insertOne(toDoctorDocument(doctor));
      } catch (err) {
        if (isDuplicateKey(err)) throw doctorExists();
        throw err;
      }
    },

    update(next) {
      return locks.withLock(`doctor:${next.id}`, async () => {
        const current = await get(next.id);
        if (!current || current.version !== next.version - 1) throw versionConflict(next.id);
        const moved = current.phoneIndex !== next.phoneIndex;
        if (
          moved &&
          await pointers.point(next.phoneIndex, next.id, holds(next.phoneIndex)) === "taken"
        ) {
          throw doctorExists();
        }
        try {
          await doctors.replaceOne({ _id: next.id }, toDoctorDocument(next));
        } catch (err) {
          if (isDuplicateKey(err)) throw doctorExists();
          throw err;
        }
        if (moved) await pointers.drop(current.phoneIndex, next.id);
      });
    },

    async findByPhoneIndex(phoneIndex) {
      const id = await pointers.find(phoneIndex);
      if (id === null) return null;
      const pointed = await get(id);
      if (pointed?.phoneIndex === phoneIndex) return pointed;
      // A crash or a race left the pointer on another record: the unique index decides.
      const doc = await doctors.findOne({ phoneIndex });
      if (!doc) return null;
      await pointers.repoint(phoneIndex, id, doc._id);
      return fromDoctorDocument(doc);
    },

    async search(filter, limit, cursor) {
      // Null also matches records from before `deactivatedAt` existed (absent: active).
      const query: Filter<DoctorDocument> = filter.inactiveOnly
        ? { deactivatedAt: { $type: "string" } }
        : filter.includeInactive
        ? {}
        : { deactivatedAt: null };
      if (filter.specialization) {
        query["search.specializations"] = filter.specialization.toLowerCase();
      }
      if (filter.language) query["search.languages"] = filter.language.toLowerCase();
      if (filter.city) query["search.city"] = filter.city.toLowerCase();
      if (filter.q) query.name = { $regex: escapeRegex(filter.q), $options: "i" };
      if (cursor) query._id = { $gt: decodeCursor(cursor, ["string"])[0] };
      const docs = await doctors.find(query).sort({ _id: 1 }).limit(limit + 1).toArray();
      const items = docs.slice(0, limit).map(fromDoctorDocument);
      const last = items.at(-1);
      return {
        items,
        nextCursor: docs.length > limit && last ? encodeCursor([last.id]) : null,
      } satisfies Page<DoctorRecord>;
    },
  };
}
