/**
 * Doctors in MongoDB (`doctors` collection): the phone blind index is unique (see migrate.ts),
 * updates compare-and-set on `version`, and search filters by specialization, language and city
 * (case-insensitive, like the KV adapter: documents carry lower-cased copies under `search`, which
 * are indexed) plus a case-insensitive name substring, ordered by `_id`.
 */
import type { Db, Filter } from "mongodb";
import { ConflictError } from "../../errors.ts";
import type { DoctorStore, Page } from "../ports.ts";
import type { DoctorRecord } from "../records.ts";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import { escapeRegex, fromDocument, type Stored, toDocument } from "./documents.ts";
import { isDuplicateKey } from "./driver_errors.ts";

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

export function createMongoDoctorStore(db: Db): DoctorStore {
  const doctors = db.collection<DoctorDocument>("doctors");

  async function get(id: string) {
    const doc = await doctors.findOne({ _id: id });
    return doc ? fromDoctorDocument(doc) : null;
  }

  return {
    get,

    async create(doctor) {
      try {
        await doctors.insertOne(toDoctorDocument(doctor));
      } catch (err) {
        if (isDuplicateKey(err)) throw doctorExists();
        throw err;
      }
    },

    async update(next) {
      let matched: number;
      try {
        const res = await doctors.replaceOne(
          { _id: next.id, version: next.version - 1 },
          toDoctorDocument(next),
        );
        matched = res.matchedCount;
      } catch (err) {
        if (isDuplicateKey(err)) throw doctorExists();
        throw err;
      }
      if (matched === 0) {
        throw new ConflictError(
          "version_conflict",
          `Doctor ${next.id} changed since it was read; reload and try again`,
        );
      }
    },

    async findByPhoneIndex(phoneIndex) {
      const doc = await doctors.findOne({ phoneIndex });
      return doc ? fromDoctorDocument(doc) : null;
    },

    async search(filter, limit, cursor) {
      const query: Filter<DoctorDocument> = {};
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
