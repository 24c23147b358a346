/**
 * The production records adapter: doctors, patients and appointments in MongoDB (Atlas, or any
 * server speaking its wire protocol, such as FerretDB). Opens its own client from the options,
 * migrates when asked, and closes the client in `close()`. Every store method turns "database
 * unreachable" into `ServiceUnavailableError`; the driver reconnects by itself once it is back.
 */
import type { RecordStores } from "../ports.ts";
import { createMongoAppointmentStore } from "./appointment_store.ts";
import {
  connectMongo,
  detectCapabilities,
  type MongoCapabilities,
  type MongoConnectOptions,
  pingWithin,
} from "./connect.ts";
import { createMongoDoctorStore } from "./doctor_store.ts";
import { guarded, guardStore } from "./driver_errors.ts";
import { createGraceLocks } from "./locks.ts";
import { migrate } from "./migrate.ts";
import { createMongoPatientStore } from "./patient_store.ts";

export interface MongoRecordStoresOptions extends MongoConnectOptions {
  /** Create collections and indexes at start (idempotent). */
  autoMigrate: boolean;
  /** How old a claim without a live appointment must be before it counts as a crash's orphan. */
  claimGraceMs?: number;
  /**
   * How long the relay leaves a change's events to the writer that marked them (default 2 s): a
   * younger mark's writer is most likely still at work, moving them itself. Tests that play the
   * relay right after a write set 0.
   */
  writerWindowMs?: number;
  /** Also keep `busy_weeks` for the release before (`MONGODB_BUSY_WEEKS`, busy_weeks.ts). */
  busyWeeks?: boolean;
}

export interface MongoRecordStores extends RecordStores {
  /** What the deployment supports; FerretDB and standalone servers have no transactions. */
  capabilities: MongoCapabilities;
  /** What `migrate` did at start (empty without `autoMigrate`). */
  migrations: string[];
}

/**
 * The servers' claim grace: a claim younger than this may belong to a booking in flight, and a
 * lock holder has half of it. `deno task reconcile` refuses a shorter grace of its own.
 */
export const CLAIM_GRACE_MS = 30_000;

/**
 * Connects and returns the stores, or throws `ServiceUnavailableError` if MongoDB cannot be
 * reached within `timeoutMs`. Claims and appointments are written without transactions even where
 * they exist, so both kinds of deployment keep the same guarantees by the same code.
 */
export async function createMongoRecordStores(
  options: MongoRecordStoresOptions,
): Promise<MongoRecordStores> {
  const claimGraceMs = options.claimGraceMs ?? CLAIM_GRACE_MS;
  if (!Number.isFinite(claimGraceMs) || claimGraceMs <= 0) {
    throw new RangeError(`claimGraceMs must be a positive number, found ${claimGraceMs}`);
  }
  const { writerWindowMs } = options;
  if (writerWindowMs !== undefined && !(Number.isFinite(writerWindowMs) && writerWindowMs >= 0)) {
    throw new RangeError(`writerWindowMs must be a number >= 0, found ${writerWindowMs}`);
  }
  const client = await connectMongo(options);
  try {
    const db = client.db(options.dbName);
    const capabilities = await guarded(() => detectCapabilities(db));
    const migrations = options.autoMigrate ? await guarded(() => migrate(db)) : [];
    const locks = createGraceLocks(db, claimGraceMs);
    const appointments = createMongoAppointmentStore(db, {
      claimGraceMs,
      sharded: capabilities.topology === "sharded",
      locks,
      writerWindowMs: options.writerWindowMs,
      busyWeeks: options.busyWeeks,
    });
    return {
      doctors: guardStore(createMongoDoctorStore(db, locks)),
      patients: guardStore(createMongoPatientStore(db, locks)),
      appointments: guardStore(appointments),
      capabilities,
      migrations,
      ping: () => guarded(() => pingWithin(db, options.timeoutMs)),
      close: async () => {
        await appointments.drained();
        await client.close();
      },
    };
  } catch (err) {
    await client.close();
    throw err;
  }
}
