/**
 * Verification from the store itself, after the server has stopped: opens the KV file or MongoDB
 * through the records adapters, reads every appointment of every doctor under test, and checks
 * invariants 1 and 2 of DESIGN.md: no doctor has two active appointments on overlapping time, and
 * every appointment a client saw confirmed (201) is stored and still confirmed; and that every
 * active appointment is in its doctor's busy time as a listing reads it (`appointments.busy`, the
 * index a listing uses: a booking missing there is offered as free). Read-only, but for what a
 * listing itself settles (a crashed write's pending entry older than the grace, on MongoDB).
 * On MongoDB the appointments are read in one pass over the collection: a list by doctor is a
 * scan of the whole collection on FerretDB, and a thousand of them took minutes.
 */
import { createKvRecordStores } from "../../src/stores/kv/record_stores.ts";
import type { RecordStores } from "../../src/stores/ports.ts";
import { type AppointmentRecord, isActive } from "../../src/stores/records.ts";

export type StoreTarget =
  | { kind: "kv"; kvPath: string }
  | { kind: "mongo"; uri: string; dbName: string };

export interface Confirmed {
  id: string;
  doctorId: string;
  start: string;
}

export interface VerifyResult {
  doctorsChecked: number;
  appointmentsInStore: number;
  activeInStore: number;
  confirmedByClients: number;
  /** Pairs of active appointments of one doctor whose times overlap. */
  overlaps: { doctorId: string; a: string; b: string }[];
  /** 201-confirmed ids with no stored record. */
  missing: string[];
  /** 201-confirmed ids stored with another status or time. */
  changed: string[];
  /** Active appointments missing from their doctor's busy time as a listing reads it. */
  unlisted: string[];
  /** Active appointments no client saw a 201 for (an answer lost to a crash, for example). */
  unacknowledged: number;
  seconds: number;
  ok: boolean;
}

interface OpenStores {
  stores: RecordStores;
  /** Every appointment of these doctors, by doctor. */
  byDoctor(doctorIds: Set<string>): Promise<Map<string, AppointmentRecord[]>>;
  close(): Promise<void>;
}

async function openStores(target: StoreTarget): Promise<OpenStores> {
  if (target.kind === "kv") {
    const kv = await Deno.openKv(target.kvPath);
    const stores = createKvRecordStores(kv);
    return {
      stores,
      async byDoctor(doctorIds) {
        const out = new Map<string, AppointmentRecord[]>();
        for (const id of doctorIds) out.set(id, await allForDoctor(stores, id));
        return out;
      },
      close: () => Promise.resolve(kv.close()),
    };
  }
  const { createMongoRecordStores } = await import("../../src/stores/mongo/record_stores.ts");
  const stores = await createMongoRecordStores({
    uri: target.uri,
    dbName: target.dbName,
    maxPoolSize: 10,
    timeoutMs: 10_000,
    retryWrites: true,
    autoMigrate: false,
  });
  const { MongoClient } = await import("mongodb");
  const { fromDocument } = await import("../../src/stores/mongo/documents.ts");
  type Doc = Parameters<typeof fromDocument<AppointmentRecord>>[0];
  return {
    stores,
    async byDoctor(doctorIds) {
      const out = new Map<string, AppointmentRecord[]>([...doctorIds].map((id) => [id, []]));
      const client = new MongoClient(target.uri, { serverSelectionTimeoutMS: 10_000 });
      try {
        const all = client.db(target.dbName).collection<Doc>("appointments")
          .find({}, { projection: { pendingEvents: 0 } });
        for await (const doc of all) out.get(doc.doctorId)?.push(fromDocument(doc));
      } finally {
        await client.close();
      }
      return out;
    },
    close: () => stores.close(),
  };
}

async function allForDoctor(stores: RecordStores, doctorId: string): Promise<AppointmentRecord[]> {
  const out: AppointmentRecord[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const res = await stores.appointments.listForDoctor(doctorId, {}, 100, cursor);
    out.push(...res.items);
    if (!res.nextCursor) break;
    cursor = res.nextCursor;
  }
  return out;
}

export async function verifyStore(
  target: StoreTarget,
  doctorIds: string[],
  confirmed: Confirmed[],
): Promise<VerifyResult> {
  const started = performance.now();
  const { stores, byDoctor, close } = await openStores(target);
  try {
    const byId = new Map<string, AppointmentRecord>();
    const overlaps: VerifyResult["overlaps"] = [];
    const unlisted: string[] = [];
    let active = 0;
    for (const [doctorId, list] of await byDoctor(new Set(doctorIds))) {
      const live = list.filter((a) => isActive(a.status)).sort((x, y) => x.startMs - y.startMs);
      active += live.length;
      if (live.length > 0) {
        const until = Math.max(...live.map((a) => a.endMs));
        const busy = new Set(
          (await stores.appointments.busy(doctorId, live[0].startMs, until))
            .map((i) => `${i.startMs}-${i.endMs}`),
        );
        for (const a of live) if (!busy.has(`${a.startMs}-${a.endMs}`)) unlisted.push(a.id);
      }
      for (const a of list) byId.set(a.id, a);
      let latest: AppointmentRecord | null = null;
      for (const a of live) {
        if (latest && a.startMs < latest.endMs) overlaps.push({ doctorId, a: latest.id, b: a.id });
        if (!latest || a.endMs > latest.endMs) latest = a;
      }
    }
    const missing: string[] = [];
    const changed: string[] = [];
    const seen = new Set<string>();
    for (const c of confirmed) {
      seen.add(c.id);
      const stored = byId.get(c.id) ?? await stores.appointments.get(c.id);
      if (!stored) missing.push(c.id);
      else if (stored.status !== "confirmed" || stored.start !== c.start) changed.push(c.id);
    }
    const unacknowledged = [...byId.values()].filter((a) => isActive(a.status) && !seen.has(a.id))
      .length;
    return {
      doctorsChecked: new Set(doctorIds).size,
      appointmentsInStore: byId.size,
      activeInStore: active,
      confirmedByClients: confirmed.length,
      overlaps,
      missing,
      changed,
      unlisted,
      unacknowledged,
      seconds: Math.round(performance.now() - started) / 1000,
      ok: overlaps.length === 0 && missing.length === 0 && changed.length === 0 &&
        unlisted.length === 0,
    };
  } finally {
    await close();
  }
}
