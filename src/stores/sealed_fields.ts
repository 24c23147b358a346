/**
 * The one registry of values sealed with the data cipher (crypto/data_cipher.ts): every stored
 * collection holding a sealed field is listed here, with how to page through it, which values are
 * sealed and how to write a record back. Key rotation (scripts/rotate_keys.ts) walks this list and
 * nothing else, so a new sealed field must be added here (tests/unit/sealed_fields_test.ts checks
 * that every `*Sealed` field of the stored records and every `cipher.seal(` caller is covered).
 *
 * An erased value (`""`, as patient erasure leaves `phoneSealed`) and an absent one (`null`) are
 * not sealed values and are skipped; any other string must open, else rotation stops on it.
 */
import { ConflictError } from "../errors.ts";
import { DELIVERY_TTL_MS, type DeliveryRecord } from "../notify/delivery_tracker.ts";
import { deliveryPrefix, idempotencyPrefix, prakritiPrefix } from "./kv/keys.ts";
import type { StoredPrakriti } from "../recommend/prakriti_store.ts";
import type { IdempotencyRecord } from "./kv/idempotency_store.ts";
import { createKvWebhookStore, type WebhookEndpoint } from "../webhooks/webhook_store.ts";
import type { Page, RecordStores } from "./ports.ts";
import type { AppointmentRecord, DoctorRecord, PatientRecord } from "./records.ts";

/** One stored record with sealed values. */
export interface SealedItem {
  id: string;
  /** Its sealed values, erased (`""`) and absent (`null`) ones left out. */
  values: string[];
  /** Writes the record with every sealed value replaced by `map(value)`, compare-and-set on its
   * version: throws `ConflictError` when it changed since it was read. */
  rewrite(map: (sealed: string) => Promise<string>): Promise<void>;
  /** Set when the record holds a value an earlier version stored in the clear: `sealClear`
   * writes it back sealed (`seal` of the plain text), compare-and-set like `rewrite`. */
  sealClear?(seal: (plain: string) => Promise<string>): Promise<void>;
  /** The same record read again (after a conflict), or null once it is gone. */
  reload(): Promise<SealedItem | null>;
}

export interface SealedCollection {
  readonly name: string;
  /** The sealed fields, as `record.field` or `record.list[].field`, for docs and tests. */
  readonly fields: readonly string[];
  /** A page of records; `cursor` comes from the previous page, null for the first. */
  page(cursor: string | null): Promise<Page<SealedItem>>;
}

/** Whether `v` holds a sealed value (erasure leaves `""`; an optional field may be null). */
export function isSealedValue(v: unknown): v is string {
  return typeof v === "string" && v !== "";
}

type Versioned = { id: string; version: number };

/** A record type whose sealed fields are top-level `string | null` properties. */
function flatItem<T extends Versioned>(
  rec: T,
  fields: readonly (keyof T & string)[],
  get: (id: string) => Promise<T | null>,
  write: (prev: T, next: T) => Promise<unknown>,
): SealedItem {
  return {
    id: rec.id,
    values: fields.map((f): unknown => rec[f]).filter(isSealedValue),
    async rewrite(map) {
      const next = { ...rec, version: rec.version + 1 };
      for (const f of fields) {
        const v = rec[f];
        if (isSealedValue(v)) next[f] = await map(v) as T[typeof f];
      }
      await write(rec, next);
    },
    async reload() {
      const again = await get(rec.id);
      return again ? flatItem(again, fields, get, write) : null;
    },
  };
}

const DOCTOR_FIELDS = ["phoneSealed"] as const satisfies readonly (keyof DoctorRecord)[];
const PATIENT_FIELDS = ["phoneSealed", "nameSealed", "profileSealed"] as const satisfies readonly (
  keyof PatientRecord
)[];
const APPOINTMENT_FIELDS = [
  "reasonSealed",
  "notesSealed",
  "cancelReasonSealed",
] as const satisfies readonly (keyof AppointmentRecord)[];

interface AppointmentCursor {
  /** Cursor of the doctor page (of one) whose appointments are being read. */
  d: string | null;
  /** Cursor inside that doctor's appointments. */
  a: string | null;
}

function webhookItem(ep: WebhookEndpoint, kv: Deno.Kv): SealedItem {
  const store = createKvWebhookStore(kv);
  return {
    id: ep.id,
    values: ep.secrets.map((s) => s.sealed).filter(isSealedValue),
    async rewrite(map) {
      const secrets = [];
      for (const s of ep.secrets) {
        secrets.push({ ...s, sealed: isSealedValue(s.sealed) ? await map(s.sealed) : s.sealed });
      }
      await store.update({ ...ep, secrets, version: ep.version + 1 });
    },
    async reload() {
      const again = await store.get(ep.id);
      return again ? webhookItem(again, kv) : null;
    },
  };
}

/** How one sealed field sits in a KV value that has no version of its own (CAS by versionstamp). */
interface KvSealedField<T> {
  id(value: T): string;
  get(value: T): string | null;
  set(value: T, sealed: string): T;
  /** Milliseconds the rewritten value should still live; undefined: it does not expire. */
  ttlMs(value: T): number | undefined;
  /** The plain text of a value an earlier version stored in the clear, if this one has it. */
  clear?(value: T): string | null;
}

function kvEntryItem<T>(entry: Deno.KvEntry<T>, kv: Deno.Kv, f: KvSealedField<T>): SealedItem {
  const sealed = f.get(entry.value);
  const clear = f.clear?.(entry.value) ?? null;
  const write = async (value: string) => {
    const ttlMs = f.ttlMs(entry.value);
    const res = await kv.atomic().check(entry).set(
      entry.key,
      f.set(entry.value, value),
      ttlMs === undefined ? {} : { expireIn: Math.max(1000, ttlMs) },
    ).commit();
    if (!res.ok) throw new ConflictError("version_conflict", `${f.id(entry.value)} changed`);
  };
  return {
    id: f.id(entry.value),
    values: isSealedValue(sealed) ? [sealed] : [],
    async rewrite(map) {
      if (isSealedValue(sealed)) await write(await map(sealed));
    },
    ...(clear === null ? {} : { sealClear: async (seal) => await write(await seal(clear)) }),
    async reload() {
      const again = await kv.get<T>(entry.key);
      return again.value ? kvEntryItem(again as Deno.KvEntry<T>, kv, f) : null;
    },
  };
}

/** A page of KV values under `prefix` with one sealed field each. */
async function kvPage<T>(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  cursor: string | null,
  f: KvSealedField<T>,
): Promise<Page<SealedItem>> {
  const items: SealedItem[] = [];
  const iter = kv.list<T>({ prefix }, { limit: 200, cursor: cursor ?? undefined });
  for await (const e of iter) items.push(kvEntryItem(e, kv, f));
  return { items, nextCursor: items.length === 200 && iter.cursor ? iter.cursor : null };
}

const DELIVERY_FIELD: KvSealedField<DeliveryRecord> = {
  id: (d) => `delivery ${d.sid}`,
  get: (d) => d.resendSealed,
  set: (d, resendSealed) => ({ ...d, resendSealed }),
  ttlMs: (d) => Date.parse(d.sentAt) + DELIVERY_TTL_MS - Date.now(),
};

/** Only records marked `sealed` hold a sealed body (src/http/sealed_idempotency.ts). */
const IDEMPOTENCY_FIELD: KvSealedField<IdempotencyRecord> = {
  id: (r) => `idempotency record ${r.fingerprint.slice(0, 8)}`,
  get: (r) => (r.sealed ? r.body : null),
  set: (r, body) => ({ ...r, body }),
  ttlMs: (r) => r.expiresAtMs - Date.now(),
};

/** A prakriti assessment's answers; an earlier version stored them in the clear (`answers`),
 * which the re-seal pass seals. */
const PRAKRITI_FIELD: KvSealedField<StoredPrakriti> = {
  id: (p) => `prakriti of ${p.patientId}`,
  get: (p) => p.answersSealed ?? null,
  set: ({ answers: _clear, ...p }, answersSealed) => ({ ...p, answersSealed }),
  ttlMs: () => undefined,
  clear: (p) => p.answersSealed || !p.answers ? null : JSON.stringify(p.answers),
};

/** Every collection with sealed values, in the order rotation walks them. */
export function sealedCollections(records: RecordStores, kv: Deno.Kv): SealedCollection[] {
  const doctorItem = (d: DoctorRecord) =>
    flatItem(d, DOCTOR_FIELDS, records.doctors.get, (_p, n) => records.doctors.update(n));
  const patientItem = (p: PatientRecord) =>
    flatItem(p, PATIENT_FIELDS, records.patients.get, (_p, n) => records.patients.update(n));
  const appointmentItem = (a: AppointmentRecord) =>
    flatItem(a, APPOINTMENT_FIELDS, records.appointments.get, records.appointments.transition);
  return [
    {
      name: "doctors",
      fields: DOCTOR_FIELDS.map((f) => `DoctorRecord.${f}`),
      async page(cursor) {
        const page = await records.doctors.search(
          { includeInactive: true },
          100,
          cursor ?? undefined,
        );
        return { items: page.items.map(doctorItem), nextCursor: page.nextCursor };
      },
    },
    {
      name: "appointments",
      fields: APPOINTMENT_FIELDS.map((f) => `AppointmentRecord.${f}`),
      // Appointments are found per doctor (every query carries doctorId or patientId).
      async page(cursor) {
        const at: AppointmentCursor = cursor ? JSON.parse(cursor) : { d: null, a: null };
        const doctors = await records.doctors.search(
          { includeInactive: true },
          1,
          at.d ?? undefined,
        );
        const doctor = doctors.items[0];
        if (!doctor) return { items: [], nextCursor: null };
        const page = await records.appointments.listForDoctor(
          doctor.id,
          {},
          200,
          at.a ?? undefined,
        );
        const next: AppointmentCursor | null = page.nextCursor
          ? { d: at.d, a: page.nextCursor }
          : doctors.nextCursor
          ? { d: doctors.nextCursor, a: null }
          : null;
        return { items: page.items.map(appointmentItem), nextCursor: next && JSON.stringify(next) };
      },
    },
    {
      name: "patients",
      fields: PATIENT_FIELDS.map((f) => `PatientRecord.${f}`),
      async page(cursor) {
        const page = await records.patients.list(200, cursor ?? undefined);
        return { items: page.items.map(patientItem), nextCursor: page.nextCursor };
      },
    },
    {
      name: "deliveries",
      fields: ["DeliveryRecord.resendSealed"],
      page: (cursor) => kvPage(kv, deliveryPrefix, cursor, DELIVERY_FIELD),
    },
    {
      name: "idempotency",
      fields: ["IdempotencyRecord.body"],
      page: (cursor) => kvPage(kv, idempotencyPrefix, cursor, IDEMPOTENCY_FIELD),
    },
    {
      name: "prakriti",
      fields: ["StoredPrakriti.answersSealed"],
      page: (cursor) => kvPage(kv, prakritiPrefix, cursor, PRAKRITI_FIELD),
    },
    {
      name: "webhooks",
      fields: ["WebhookEndpoint.secrets[].sealed"],
      async page() {
        const all = await createKvWebhookStore(kv).list();
        return { items: all.map((ep) => webhookItem(ep, kv)), nextCursor: null };
      },
    },
  ];
}
