/**
 * Start-up and shutdown, in a fixed order: opens the resources (KV, secrets, records in KV or
 * MongoDB, Upstash Redis, the Twilio sender) from the validated config — the only module that
 * opens connections — then hands them to the one composition root, `wireApp` (wire_app.ts), and
 * starts event delivery. `close()` stops delivery, then releases the resources in reverse order.
 */
import { dirname } from "node:path";
import type { AppDeps } from "./app_deps.ts";
import { createRefreshTokens, type RefreshTokens } from "./auth/refresh_tokens.ts";
import type { Config } from "./config/config.ts";
import { isDenoKvSqlite, isKvFile, isRemoteKv } from "./config/kv_location.ts";
import { withKvDeadline } from "./stores/kv/kv_deadline.ts";
import { withReadHandle } from "./stores/kv/read_handle.ts";
import { withBatchedGets } from "./stores/kv/get_batch.ts";
import { groupCommitOf, LASTING_EXPIRE_IN_MS } from "./stores/kv/group_commit.ts";
import { openCommitWitness } from "./stores/kv/commit_witness.ts";
import { createDataCipher, type DataCipher } from "./crypto/data_cipher.ts";
import { createKeyedHash, type KeyedHash } from "./crypto/keyed_hash.ts";
import { type AppSecrets, resolveSecrets } from "./crypto/secrets.ts";
import { TWILIO_STATUS_PATH } from "./notify/delivery_tracker.ts";
import type { MessageSender } from "./notify/message_sender.ts";
import { errorFields, type Logger } from "./observability/logger.ts";
import { openUpstash, UPSTASH_MODULES } from "./stores/open_shared_state.ts";
import { createKvRecordStores } from "./stores/kv/record_stores.ts";
import type { RecordStores } from "./stores/ports.ts";
import { type AdminStore, createKvAdminStore } from "./stores/kv/admin_store.ts";
import { type Resources, wireApp } from "./wire_app.ts";
import { onDemand } from "./on_demand.ts";
import { type AppointmentWriter, createAppointmentWriter } from "./booking/appointment_writer.ts";
import { createKvHoldStore } from "./stores/kv/hold_store.ts";

export interface Runtime {
  deps: AppDeps;
  kv: Deno.Kv;
  close(): Promise<void>;
}

/**
 * Opens the KV at `path` (a file, `:memory:`, a KV Connect URL) or, with no path, the platform's
 * own database (Deno Deploy). A KV reached over the network gets a deadline on every call. On a
 * file, `log` hears if the reading handle could not open (reads then stay on the writing one).
 */
export async function openKv(
  path: string | undefined,
  timeoutMs = 3_000,
  log?: Logger,
): Promise<Deno.Kv> {
  if (isKvFile(path)) await Deno.mkdir(dirname(path), { recursive: true });
  const opened = await Deno.openKv(path);
  const remote = isRemoteKv(path);
  let kv = opened;
  if (remote) kv = withBatchedGets(withKvDeadline(opened, timeoutMs));
  else if (isKvFile(path)) {
    // A file's reads go to a handle of their own, off the thread its commits wait on
    // (read_handle.ts), once it has opened.
    kv = withReadHandle(
      opened,
      Deno.openKv(path),
      (err) =>
        log?.warn(
          "KV reading handle did not open: reads stay on the writing handle",
          errorFields(err),
        ),
    );
  }
  // Its group commit (one per handle) may put 100 checks in a commit on a local file, where
  // SQLite allows that many; a `denokv` server takes 10. On denokv's SQLite, lasting sets carry a
  // far expiry, which keeps SQLite's expiry index in time order (group_commit.ts).
  groupCommitOf(kv, {
    maxChecks: remote ? 10 : 100,
    lastingExpireInMs: isDenoKvSqlite(path) ? LASTING_EXPIRE_IN_MS : undefined,
  });
  return kv;
}

/**
 * The adapters imported only when configured: MongoDB records, the Twilio sender, the Upstash side,
 * named through `onDemand` so that Deno does not read their graph before start-up when they are
 * not (src/on_demand.ts; the operator tasks grant `--allow-read=./src` for it). `src/main.ts
 * --warm-up` (the image's build step) imports them all as well, so the image's V8 code cache holds
 * whichever one a deployment configures: otherwise its first start compiled the adapter's package
 * afresh, ~170 ms more CPU for the MongoDB driver (docs/BENCHMARKS.md, issue 15).
 */
export const CONFIGURED_ADAPTER_MODULES = {
  mongoRecords: onDemand<typeof import("./stores/mongo/record_stores.ts")>(
    "src/stores/mongo/record_stores.ts",
  ),
  twilioSender: onDemand<typeof import("./notify/twilio_sender.ts")>("src/notify/twilio_sender.ts"),
  ...UPSTASH_MODULES,
};

async function openRecords(config: Config, kv: Deno.Kv, log: Logger): Promise<RecordStores> {
  if (!config.MONGODB_URI) return createKvRecordStores(kv, { cellMarks: config.KV_CELL_MARKS });
  const { createMongoRecordStores } = await CONFIGURED_ADAPTER_MODULES.mongoRecords();
  const stores = await createMongoRecordStores({
    uri: config.MONGODB_URI,
    dbName: config.MONGODB_DB,
    maxPoolSize: config.MONGODB_MAX_POOL_SIZE,
    timeoutMs: config.MONGODB_TIMEOUT_MS,
    retryWrites: config.MONGODB_RETRY_WRITES,
    autoMigrate: config.MONGODB_AUTO_MIGRATE,
    busyWeeks: config.MONGODB_BUSY_WEEKS,
  });
  log.info("records in MongoDB", {
    db: config.MONGODB_DB,
    topology: stores.capabilities.topology,
    transactions: stores.capabilities.transactions,
    migrations: stores.migrations.length,
  });
  return stores;
}

/**
 * The Twilio sender when configured (delivery tracking is wired on top of it in wire_app.ts). The
 * Twilio SDK is a large CommonJS package, loaded only when configured: it is a good part of the
 * start-up time otherwise (docs/BENCHMARKS.md).
 */
async function openTwilio(config: Config): Promise<MessageSender | undefined> {
  if (!config.TWILIO_ACCOUNT_SID) return undefined;
  const { createTwilioSender } = await CONFIGURED_ADAPTER_MODULES.twilioSender();
  return createTwilioSender({
    accountSid: config.TWILIO_ACCOUNT_SID,
    authToken: config.TWILIO_AUTH_TOKEN!,
    from: config.TWILIO_MESSAGING_SERVICE_SID ? undefined : config.TWILIO_FROM,
    messagingServiceSid: config.TWILIO_MESSAGING_SERVICE_SID,
    whatsappFrom: config.TWILIO_WHATSAPP_FROM,
    whatsappTemplates: config.TWILIO_WHATSAPP_TEMPLATES,
    statusCallbackUrl: config.PUBLIC_BASE_URL
      ? new URL(TWILIO_STATUS_PATH, config.PUBLIC_BASE_URL).toString()
      : undefined,
    apiBaseUrl: config.TWILIO_API_BASE_URL,
  });
}

/**
 * Fault injection at named points, to test crash safety (APP_ENV=test only). `name` exits the
 * process abruptly; `name:hang` prints `fault injection: hanging at <name>` on stderr and freezes
 * the process (no timer, no I/O runs any more) so a test can `kill -9` it at exactly that point.
 */
export function crashPoints(config: Config, log: Logger): ((name: string) => void) | undefined {
  if (config.FAULT_INJECTION.length === 0) return undefined;
  const points = new Set(config.FAULT_INJECTION);
  return (name) => {
    if (points.has(`${name}:hang`)) {
      console.error(`fault injection: hanging at ${name}`);
      // Blocks this thread for good: the process only ends by a signal.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    }
    if (!points.has(name)) return;
    log.warn("fault injection: crashing", { point: name });
    Deno.exit(86);
  };
}

/** What operator scripts need: the same KV, secrets and records as the server, no HTTP parts. */
export interface OperatorRuntime {
  config: Config;
  kv: Deno.Kv;
  secrets: AppSecrets;
  cipher: DataCipher;
  hash: KeyedHash;
  records: RecordStores;
  admins: AdminStore;
  /** Fault injection (see `crashPoints`), undefined outside tests. */
  crashPoint?: (name: string) => void;
  /** Sessions (refresh-token families), so a script can end a user's sessions. */
  sessions: RefreshTokens;
  /**
   * The one appointment writer. Without a dispatcher: a change's events wait in the shared outbox
   * and a running server's relay delivers them, as for any booking.
   */
  writer: AppointmentWriter;
  close(): Promise<void>;
}

/** The KV, secrets and records: what the server and operator scripts both run on. */
interface CoreResources {
  kv: Deno.Kv;
  secrets: AppSecrets;
  records: RecordStores;
  /** Records first, then KV. */
  close(): Promise<void>;
}

/** Opens the core from the validated config; on a failure, closes what it had opened. */
async function openCore(config: Config, log: Logger): Promise<CoreResources> {
  const kv = await openKv(config.KV_PATH, config.KV_TIMEOUT_MS, log);
  try {
    const secrets = await resolveSecrets(config, kv);
    const records = await openRecords(config, kv, log);
    return {
      kv,
      secrets,
      records,
      async close() {
        await records.close().catch((err) =>
          log.warn("error while closing", { error: String(err) })
        );
        kv.close();
      },
    };
  } catch (err) {
    kv.close();
    throw err;
  }
}

/** Opens the stores a `scripts/` task needs from the validated config, exactly as bootstrap does. */
export async function openOperatorRuntime(config: Config, log: Logger): Promise<OperatorRuntime> {
  const core = await openCore(config, log);
  const { kv, secrets, records } = core;
  try {
    const hash = await createKeyedHash(secrets.hmacSecret);
    const crashPoint = crashPoints(config, log);
    return {
      config,
      kv,
      secrets,
      cipher: await createDataCipher(secrets.dataKeys),
      hash,
      records,
      admins: createKvAdminStore(kv),
      crashPoint,
      sessions: createRefreshTokens(kv, hash, config.REFRESH_TOKEN_TTL_DAYS * 86_400_000),
      writer: createAppointmentWriter({
        kv,
        records,
        holds: createKvHoldStore(kv, { cellMarks: config.KV_CELL_MARKS }),
        log,
        now: () => Date.now(),
        inlineBudgetMs: 0,
        crashPoint,
      }),
      close: core.close,
    };
  } catch (err) {
    await core.close();
    throw err;
  }
}

/** What bootstrap.ts opened, and how to close it (records first, then KV). */
export interface OpenedResources extends Resources {
  close(): Promise<void>;
}

/**
 * Opens every resource from the validated config: the KV at KV_PATH, secrets, records, Upstash,
 * Twilio.
 */
export async function openResources(config: Config, log: Logger): Promise<OpenedResources> {
  const core = await openCore(config, log);
  if (core.secrets.generated.length > 0) {
    log.warn("using generated development secrets", { secrets: core.secrets.generated });
  }
  // Opens its own read-only connection to a local KV file on first use, not here.
  const kvWitness = openCommitWitness(config.KV_PATH);
  let kvRounds: Deno.Kv | undefined;
  const close = async () => {
    kvWitness?.close();
    kvRounds?.close();
    await core.close();
  };
  try {
    // A denokv server: the calendar version rounds get a connection of their own. Deno's KV
    // Connect client sends all of a handle's requests over one HTTP/2 connection with Nagle's
    // algorithm on, and denokv leaves it on too: two requests sent together on one handle
    // answered the second after ~44 ms (a delayed ACK), and a round sent beside a write waited
    // 45-49 ms at p90 against 1.3-1.9 ms on its own handle (docs/BENCHMARKS.md, issue 15, helper
    // "cluster6"). Rounds go one at a time, so on their own connection none waits behind another.
    if (config.KV_PATH !== undefined && isRemoteKv(config.KV_PATH)) {
      kvRounds = await openKv(config.KV_PATH, config.KV_TIMEOUT_MS);
    }
    return {
      ...core,
      kvWitness,
      kvRounds,
      upstash: await openUpstash(config),
      twilio: await openTwilio(config),
      crashPoint: crashPoints(config, log),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** What a test may hand the composition root instead of the real thing. */
export interface Injected {
  /** The clock every service reads (default: the wall clock, shifted by CLOCK_OFFSET_MS). */
  now?: () => number;
}

/**
 * Opens the resources, wires the app on them and starts event delivery; with `firstPassOnWake`
 * the outbox relay's first pass waits for `deps.events.relay.wake()` (src/main.ts: once the server
 * has answered its first request).
 */
export async function bootstrap(
  config: Config,
  log: Logger,
  injected: Injected = {},
  delivery: { firstPassOnWake?: boolean } = {},
): Promise<Runtime> {
  const offsetMs = config.CLOCK_OFFSET_MS;
  const now = injected.now ??
    (offsetMs === 0 ? () => Date.now() : () => Date.now() + offsetMs);
  const resources = await openResources(config, log);
  let wired;
  try {
    wired = await wireApp(resources, config, log, { now });
  } catch (err) {
    await resources.close();
    throw err;
  }
  wired.start(delivery);
  return runtimeOf(resources, wired, log);
}

/** The running app: its deps, its KV, and `close()` (delivery and rooms first, then resources). */
function runtimeOf(
  resources: OpenedResources,
  wired: { deps: AppDeps; close(): Promise<void> },
  log: Logger,
): Runtime {
  return {
    deps: wired.deps,
    kv: resources.kv,
    async close() {
      await wired.close().catch((err) => log.warn("error while closing", { error: String(err) }));
      await resources.close();
    },
  };
}
