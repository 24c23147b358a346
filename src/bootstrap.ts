/**
 * Start-up and shutdown of every service, in one place and in a fixed order: KV, secrets, records
 * (KV or MongoDB), ephemeral state and limits, the message sender, then the services. The only
 * module that opens connections; `close()` releases them in reverse order.
 */
import { dirname } from "node:path";
import type { AppDeps } from "./app_deps.ts";
import { createIdentityService } from "./auth/identity_service.ts";
import { createOtpService } from "./auth/otp_service.ts";
import { createRefreshTokens, type RefreshTokens } from "./auth/refresh_tokens.ts";
import { createTokenService } from "./auth/token_service.ts";
import { createBookingService } from "./booking/booking_service.ts";
import { createKvCalendarView } from "./stores/kv/calendar_view.ts";
import type { Config } from "./config/config.ts";
import { isRemoteKv } from "./config/kv_location.ts";
import { withKvDeadline } from "./stores/kv/kv_deadline.ts";
import { createDataCipher } from "./crypto/data_cipher.ts";
import { createKeyedHash } from "./crypto/keyed_hash.ts";
import { resolveSecrets } from "./crypto/secrets.ts";
import { createDoctorService } from "./doctors/doctor_service.ts";
import { createEventRuntime, eventSettingsFrom } from "./events/event_runtime.ts";
import { createAppointmentWriter } from "./booking/appointment_writer.ts";
import { createPatientService } from "./patients/patient_service.ts";
import { createErasurePlan } from "./patients/erasure_plan.ts";
import { createKvWaitlistStore } from "./waitlist/waitlist_store.ts";
import { createKvAuditLog } from "./audit/audit_log.ts";
import {
  createDeliveryTracker,
  type DeliveryTracker,
  type DeliveryTrackerDeps,
  TWILIO_STATUS_PATH,
} from "./notify/delivery_tracker.ts";
import { createAuditKeyring } from "./audit/audit_keys.ts";
import { createConsoleSender, readOutbox } from "./notify/console_sender.ts";
import type { MessageSender } from "./notify/message_sender.ts";
import type { Logger } from "./observability/logger.ts";
import { createAppMetrics, recordOutboxStats } from "./observability/metrics.ts";
import { openSharedState } from "./stores/open_shared_state.ts";
import { createKvHoldStore } from "./stores/kv/hold_store.ts";
import { createKvIdempotencyStore } from "./stores/kv/idempotency_store.ts";
import { sealedIdempotencyStore } from "./http/sealed_idempotency.ts";
import { createKvRecordStores } from "./stores/kv/record_stores.ts";
import type { RecordStores } from "./stores/ports.ts";
import { instrumentStores } from "./stores/instrumented_stores.ts";
import { type AdminStore, createKvAdminStore } from "./stores/kv/admin_store.ts";
import type { AppSecrets } from "./crypto/secrets.ts";
import type { DataCipher } from "./crypto/data_cipher.ts";
import type { KeyedHash } from "./crypto/keyed_hash.ts";
import { createDoctorUiBackend } from "./ui/ui_backend.ts";
import { createKvPatientSessionStore } from "./ui/session_store.ts";
import { createCourseService } from "./courses/course_service.ts";
import { createKvCourseStore } from "./stores/kv/course_store.ts";
import { createKvPrakritiStore } from "./recommend/prakriti_store.ts";
import { openRoomService } from "./rooms/room_service.ts";
import { pingKey } from "./stores/kv/keys.ts";

export interface Runtime {
  deps: AppDeps;
  kv: Deno.Kv;
  close(): Promise<void>;
}

/**
 * Opens the KV at `path` (a file, `:memory:`, a KV Connect URL) or, with no path, the platform's
 * own database (Deno Deploy). A KV reached over the network gets a deadline on every call.
 */
export async function openKv(path: string | undefined, timeoutMs = 3_000): Promise<Deno.Kv> {
  if (path !== undefined && path !== ":memory:" && !path.includes("://")) {
    await Deno.mkdir(dirname(path), { recursive: true });
  }
  const kv = await Deno.openKv(path);
  return isRemoteKv(path) ? withKvDeadline(kv, timeoutMs) : kv;
}

async function openRecords(config: Config, kv: Deno.Kv, log: Logger): Promise<RecordStores> {
  if (!config.MONGODB_URI) return createKvRecordStores(kv);
  const { createMongoRecordStores } = await import("./stores/mongo/record_stores.ts");
  const stores = await createMongoRecordStores({
    uri: config.MONGODB_URI,
    dbName: config.MONGODB_DB,
    maxPoolSize: config.MONGODB_MAX_POOL_SIZE,
    timeoutMs: config.MONGODB_TIMEOUT_MS,
    retryWrites: config.MONGODB_RETRY_WRITES,
    autoMigrate: config.MONGODB_AUTO_MIGRATE,
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
 * The console sender, or Twilio with its delivery tracking (status callbacks, SMS fallback). The
 * Twilio SDK is a large CommonJS package, loaded only when configured: it is a good part of the
 * start-up time otherwise (docs/BENCHMARKS.md).
 */
async function openSender(
  config: Config,
  deps: Omit<DeliveryTrackerDeps, "now">,
  now: () => number,
): Promise<{ sender: MessageSender; deliveries?: DeliveryTracker }> {
  if (!config.TWILIO_ACCOUNT_SID) return { sender: createConsoleSender(deps.kv, deps.log) };
  const { createTwilioSender } = await import("./notify/twilio_sender.ts");
  const twilio = createTwilioSender({
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
  const deliveries = createDeliveryTracker(twilio, { ...deps, now });
  return { sender: deliveries.sender, deliveries };
}

/**
 * The dev outbox lists the codes sent to a phone to whoever asks: only for the console sender,
 * never in production, and only on a loopback listener, so a development server reachable from a
 * network never hands out codes.
 */
function devOutbox(config: Config, sender: MessageSender, kv: Deno.Kv, log: Logger) {
  if (sender.name !== "console" || config.APP_ENV === "production") return null;
  const loopback = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i.test(config.HOST);
  if (!loopback) {
    log.warn("dev outbox off: HOST is not a loopback address", { host: config.HOST });
    return null;
  }
  return (to: string) => readOutbox(kv, to);
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
  close(): Promise<void>;
}

/** Opens the stores a `scripts/` task needs from the validated config, exactly as bootstrap does. */
export async function openOperatorRuntime(config: Config, log: Logger): Promise<OperatorRuntime> {
  const kv = await openKv(config.KV_PATH, config.KV_TIMEOUT_MS);
  try {
    const secrets = await resolveSecrets(config, kv);
    const records = await openRecords(config, kv, log);
    const hash = await createKeyedHash(secrets.hmacSecret);
    return {
      config,
      kv,
      secrets,
      cipher: await createDataCipher(secrets.dataKeys),
      hash,
      records,
      admins: createKvAdminStore(kv),
      crashPoint: crashPoints(config, log),
      sessions: createRefreshTokens(kv, hash, config.REFRESH_TOKEN_TTL_DAYS * 86_400_000),
      async close() {
        await records.close().catch(() => {});
        kv.close();
      },
    };
  } catch (err) {
    kv.close();
    throw err;
  }
}

/** What a test may hand the composition root instead of the real thing. */
export interface Injected {
  /** The clock every service reads (default: the wall clock, shifted by CLOCK_OFFSET_MS). */
  now?: () => number;
}

export async function bootstrap(
  config: Config,
  log: Logger,
  injected: Injected = {},
): Promise<Runtime> {
  const offsetMs = config.CLOCK_OFFSET_MS;
  const now = injected.now ??
    (offsetMs === 0 ? () => Date.now() : () => Date.now() + offsetMs);
  const kv = await openKv(config.KV_PATH, config.KV_TIMEOUT_MS);
  const closers: (() => Promise<void> | void)[] = [() => kv.close()];
  try {
    const secrets = await resolveSecrets(config, kv);
    if (secrets.generated.length > 0) {
      log.warn("using generated development secrets", { secrets: secrets.generated });
    }
    const hash = await createKeyedHash(secrets.hmacSecret);
    const cipher = await createDataCipher(secrets.dataKeys);
    const refresh = createRefreshTokens(kv, hash, config.REFRESH_TOKEN_TTL_DAYS * 86_400_000, now);
    const tokens = await createTokenService({
      privateJwks: secrets.jwtPrivateJwks,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      isSessionLive: refresh.isLive,
      now,
    });
    const audit = createKvAuditLog(kv, now, await createAuditKeyring(secrets.auditKeys));
    const metrics = createAppMetrics();
    const records = instrumentStores(await openRecords(config, kv, log), metrics);
    closers.unshift(() => records.close());
    const holds = createKvHoldStore(kv);
    const shared = openSharedState(config, kv, log, now, holds, metrics);
    const { ephemeral, limiter } = shared;
    const { sender, deliveries } = await openSender(config, { kv, cipher, metrics, log }, now);
    const prakriti = createKvPrakritiStore(kv);
    const idempotency = sealedIdempotencyStore(createKvIdempotencyStore(kv), cipher, hash);
    const otp = createOtpService({ config, store: ephemeral, limiter, hash, sender, metrics, now });
    const settings = eventSettingsFrom(config);
    const events = createEventRuntime({
      kv,
      records,
      holds,
      cipher,
      sender,
      log,
      now,
      audit,
      settings,
      onRetry: () => metrics.queueRetries.inc(),
      onStats: (s) => recordOutboxStats(metrics, s),
      onHoldExpired: () => metrics.holdsExpired.inc(),
    });
    const crashPoint = crashPoints(config, log);
    const writer = createAppointmentWriter({
      kv,
      records,
      holds,
      log,
      now,
      dispatcher: events.dispatcher,
      inlineBudgetMs: settings.inlineNoticeBudgetMs,
      wake: () => events.relay.wake(),
      crashPoint,
    });

    const deps: AppDeps = {
      config,
      log,
      metrics,
      now,
      tokens,
      refresh,
      otp,
      identity: createIdentityService({
        config,
        records,
        otp,
        tokens,
        refresh,
        cipher,
        hash,
        now,
        isAdminPhoneIndex: createKvAdminStore(kv).isAdmin,
      }),
      patients: createPatientService({
        records,
        cipher,
        writer,
        now,
        erasure: createErasurePlan({
          kv,
          holds,
          waitlist: createKvWaitlistStore(kv),
          prakriti,
          refresh,
          idempotency,
          ephemeral,
        }),
      }),
      doctors: shared.cacheDoctors(createDoctorService({ records, cipher, hash, now })),
      booking: shared.cacheBooking(createBookingService({
        config,
        records,
        holds,
        cipher,
        hash,
        sender,
        metrics,
        now,
        crashPoint,
        writer,
        audit: events.audit,
        // Only the KV records adapter bumps the calendar version on appointment writes.
        calendarView: config.MONGODB_URI
          ? undefined
          : createKvCalendarView(kv, { appointments: records.appointments, holds }),
      })),
      idempotencyStore: idempotency,
      apiLimiter: shared.apiLimiter,
      readiness: {
        kv: async () => void await kv.get(pingKey),
        records: () => records.ping(),
        ephemeral: () => ephemeral.ping(),
        ...shared.readiness,
      },
      outbox: devOutbox(config, sender, kv, log),
      deliveries,
      events,
      doctorUi: createDoctorUiBackend({
        kv,
        records,
        cipher,
        hash,
        audit,
        sessionTtlMs: config.UI_SESSION_TTL_SECONDS * 1000,
        now,
      }),
      bookSessions: createKvPatientSessionStore(kv, config.BOOK_SESSION_TTL_SECONDS * 1000, now),
    };
    deps.courses = createCourseService({
      config,
      records,
      holds,
      courses: createKvCourseStore(kv, holds),
      booking: deps.booking,
      writer,
      cipher,
      hash,
      sender,
      now,
    });
    deps.prakriti = prakriti;
    deps.rooms = await openRoomService({
      records,
      kv,
      hmacSecret: secrets.hmacSecret,
      issuer: config.JWT_ISSUER,
      turn: {
        urls: config.TURN_URLS,
        secret: config.TURN_SECRET,
        ttlSeconds: config.TURN_TTL_SECONDS,
      },
      production: config.APP_ENV === "production",
      log,
      now,
      clockOffsetMs: config.ROOM_CLOCK_OFFSET_MS,
    });
    closers.unshift(() => deps.rooms?.close());
    // Event delivery runs in every process, from the shared outbox; it stops before KV closes.
    events.relay.start({ intervalMs: settings.pollMs, cron: true });
    closers.unshift(() => events.relay.stop());
    return {
      deps,
      kv,
      async close() {
        for (const close of closers) {
          try {
            await close();
          } catch (err) {
            log.warn("error while closing", { error: String(err) });
          }
        }
      },
    };
  } catch (err) {
    for (const close of closers) await Promise.resolve(close()).catch(() => {});
    throw err;
  }
}
