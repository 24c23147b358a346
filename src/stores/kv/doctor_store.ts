/**
 * Doctors in Deno KV: the record under ["doctor", id], a unique phone lookup, and one index entry
 * per specialization, language and city so filtered searches scan only matching doctors (and only
 * active ones: a deactivated doctor keeps their entries and is skipped when read; the admin's
 * listing of deactivated doctors reads every entry and keeps only those). An update
 * also bumps the doctor's calendar version (calendar.ts), which listings read (calendar_view.ts).
 */
import { ConflictError } from "../../errors.ts";
import type { DoctorFilter, DoctorStore, Page } from "../ports.ts";
import type { DoctorRecord } from "../records.ts";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import { commitOnCalendar } from "./calendar.ts";
import { commit, getManyChunked, withKvRetry } from "./kv_commit.ts";
import {
  type DoctorAttr,
  doctorByAttrKey,
  doctorByAttrPrefix,
  doctorByPhoneKey,
  doctorKey,
  keySpace,
} from "./keys.ts";

function attrKeys(d: DoctorRecord): Deno.KvKey[] {
  const pairs: [DoctorAttr, string][] = [
    ...d.specializations.map((s): [DoctorAttr, string] => ["spec", s]),
    ...d.languages.map((l): [DoctorAttr, string] => ["lang", l]),
    ["city", d.city],
  ];
  return pairs.map(([attr, v]) => doctorByAttrKey(attr, v, d.id));
}

/** Whether `d` passes `f` (the search's rules; also FHIR's `_id` search, with the other parameters). */
export function matchesDoctorFilter(
  d: Pick<DoctorRecord, "name" | "specializations" | "languages" | "city">,
  f: DoctorFilter,
): boolean {
  const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (f.specialization && !d.specializations.some((s) => eq(s, f.specialization!))) return false;
  if (f.language && !d.languages.some((l) => eq(l, f.language!))) return false;
  if (f.city && !eq(d.city, f.city)) return false;
  if (f.q && !d.name.toLowerCase().includes(f.q.toLowerCase())) return false;
  return true;
}

export function createKvDoctorStore(kv: Deno.Kv): DoctorStore {
  return {
    async create(doctor) {
      const res = await commit(() => {
        const op = kv.atomic()
          .check({ key: doctorKey(doctor.id), versionstamp: null })
          .check({ key: doctorByPhoneKey(doctor.phoneIndex), versionstamp: null })
          .set(doctorKey(doctor.id), doctor)
          .set(doctorByPhoneKey(doctor.phoneIndex), doctor.id);
        for (const key of attrKeys(doctor)) op.set(key, doctor.id);
        return op;
      });
      if (!res.ok) {
        throw new ConflictError("doctor_exists", "A doctor with this phone number already exists");
      }
    },

    async update(next) {
      // On the doctor's calendar version (calendar.ts): hours and profile changes move it like
      // holds and bookings do, so the listing view (calendar_view.ts) checks one key per request.
      await commitOnCalendar(kv, next.id, "update the doctor", async () => {
        const current = await withKvRetry(() => kv.get<DoctorRecord>(doctorKey(next.id)));
        if (!current.value || current.value.version !== next.version - 1) {
          throw new ConflictError(
            "version_conflict",
            `Doctor ${next.id} changed since it was read; reload and try again`,
          );
        }
        const prev = current.value;
        if (prev.phoneIndex !== next.phoneIndex) {
          const taken = await withKvRetry(() => kv.get(doctorByPhoneKey(next.phoneIndex)));
          if (taken.versionstamp !== null) {
            throw new ConflictError("version_conflict", `Doctor ${next.id} changed; try again`);
          }
        }
        return {
          result: undefined,
          build: (op) => {
            op.check(current).set(doctorKey(next.id), next);
            for (const key of attrKeys(prev)) op.delete(key);
            for (const key of attrKeys(next)) op.set(key, next.id);
            if (prev.phoneIndex !== next.phoneIndex) {
              op.check({ key: doctorByPhoneKey(next.phoneIndex), versionstamp: null })
                .delete(doctorByPhoneKey(prev.phoneIndex))
                .set(doctorByPhoneKey(next.phoneIndex), next.id);
            }
            return op;
          },
        };
      });
    },

    async get(id) {
      return (await withKvRetry(() => kv.get<DoctorRecord>(doctorKey(id)))).value;
    },

    async findByPhoneIndex(phoneIndex) {
      const ref = await withKvRetry(() => kv.get<string>(doctorByPhoneKey(phoneIndex)));
      return ref.value ? await this.get(ref.value) : null;
    },

    async search(filter, limit, cursor) {
      const after = cursor ? decodeCursor(cursor, ["string"])[0] : undefined;
      const indexed: [DoctorAttr, string | undefined][] = [
        ["spec", filter.specialization],
        ["city", filter.city],
        ["lang", filter.language],
      ];
      const chosen = indexed.find(([, v]) => v);
      const prefix = chosen ? doctorByAttrPrefix(chosen[0], chosen[1]!) : keySpace("doctor");
      const selector: Deno.KvListSelector = typeof after === "string"
        ? { prefix, start: [...prefix, after + "\u0000"] }
        : { prefix };
      const items: DoctorRecord[] = [];
      let hasMore = false;
      const batch: string[] = [];
      const flush = async () => {
        const entries = await getManyChunked<DoctorRecord>(kv, batch.map(doctorKey));
        batch.length = 0;
        for (const e of entries) {
          const off = Boolean(e.value?.deactivatedAt);
          const shown = filter.inactiveOnly ? off : filter.includeInactive || !off;
          if (e.value && shown && matchesDoctorFilter(e.value, filter)) {
            if (items.length === limit) {
              hasMore = true;
              return;
            }
            items.push(e.value);
          }
        }
      };
      for await (const entry of kv.list<DoctorRecord | string>(selector, { batchSize: 100 })) {
        batch.push(chosen ? entry.value as string : (entry.value as DoctorRecord).id);
        if (batch.length === 10) await flush();
        if (hasMore) break;
      }
      if (!hasMore && batch.length > 0) await flush();
      const last = items.at(-1);
      return {
        items,
        nextCursor: hasMore && last ? encodeCursor([last.id]) : null,
      } satisfies Page<DoctorRecord>;
    },
  };
}
