/**
 * The one composition root: builds every service, the event system included, from resources that
 * bootstrap.ts opened (KV, secrets, records, Upstash, Twilio) and the validated config. Opens no
 * connection and reads no wall clock: the clock is handed in, so a test wires the real app on
 * `Deno.openKv(":memory:")` with a clock it moves by hand (tests/_harness/app.ts).
 */
import type { AppDeps } from "./app_deps.ts";
import { createIdentityService } from "./auth/identity_service.ts";
import { createOtpService } from "./auth/otp_service.ts";
import { createRefreshTokens } from "./auth/refresh_tokens.ts";
import { createTokenService } from "./auth/token_service.ts";
import { createBookingService } from "./booking/booking_service.ts";
import { createAppointmentWriter } from "./booking/appointment_writer.ts";
import { createKvCalendarView } from "./stores/kv/calendar_view.ts";
import {
  ANSWER_MARGIN_MS,
  FRESH_FOR_MS,
  MIN_ROUND_GAP_MS,
  REMOTE_MIN_ROUND_GAP_MS,
} from "./stores/kv/calendar_versions.ts";
import { isRemoteKv } from "./config/kv_location.ts";
import {
  announceDoctorUpdates,
  delayCalendarAnswers,
  watchCalendarRaces,
} from "./stores/kv/calendar.ts";
import type { Config } from "./config/config.ts";
import { createDataCipher } from "./crypto/data_cipher.ts";
import { createKeyedHash, type KeyedHash } from "./crypto/keyed_hash.ts";
import type { AppSecrets } from "./crypto/secrets.ts";
import { createDoctorService } from "./doctors/doctor_service.ts";
import { createEventRuntime, eventSettingsFrom } from "./events/event_runtime.ts";
import { createPatientService } from "./patients/patient_service.ts";
import { createErasurePlan } from "./patients/erasure_plan.ts";
import { createWaitlistService } from "./waitlist/waitlist_service.ts";
import { createKvWaitlistStore } from "./waitlist/waitlist_store.ts";
import { createWebhookService } from "./webhooks/webhook_service.ts";
import { createKvWebhookStore } from "./webhooks/webhook_store.ts";
import { createWebhookPresence } from "./webhooks/webhook_presence.ts";
import { createKvAuditLog } from "./audit/audit_log.ts";
import { createDeliveryTracker } from "./notify/delivery_tracker.ts";
import { createAuditKeyring } from "./audit/audit_keys.ts";
import { createConsoleSender, readOutbox } from "./notify/console_sender.ts";
import type { MessageSender } from "./notify/message_sender.ts";
import type { Logger } from "./observability/logger.ts";
import { createAppMetrics, recordOutboxStats } from "./observability/metrics.ts";
import { sharedState } from "./stores/open_shared_state.ts";
import type { UpstashConnection } from "./stores/upstash/client.ts";
import { createKvHoldStore } from "./stores/kv/hold_store.ts";
import { groupCommitOf } from "./stores/kv/group_commit.ts";
import { createKvIdempotencyStore } from "./stores/kv/idempotency_store.ts";
import { sealedIdempotencyStore } from "./http/sealed_idempotency.ts";
import type { RecordStores } from "./stores/ports.ts";
import { instrumentStores } from "./stores/instrumented_stores.ts";
import { createKvAdminStore } from "./stores/kv/admin_store.ts";
import { createDoctorUiBackend } from "./ui/ui_backend.ts";
import { createKvPatientSessionStore } from "./ui/session_store.ts";
import { createCourseService } from "./courses/course_service.ts";
import { createKvCourseStore } from "./stores/kv/course_store.ts";
import { createKvPrakritiStore } from "./recommend/prakriti_store.ts";
import { openRoomService } from "./rooms/room_service.ts";
import { pingKey } from "./stores/kv/keys.ts";
import type { CommitWitness } from "./stores/kv/commit_witness.ts";

/** What bootstrap.ts opened: every connection the app uses, and nothing built on top of them. */
export interface Resources {
  kv: Deno.Kv;
  /** Whether anything committed to the KV, read without a KV read (a local file only). */
  kvWitness?: CommitWitness;
  /**
   * A second handle on a KV server, for the calendar version rounds only (calendar_versions.ts):
   * its own connection, so a round never waits behind another request of this process.
   */
  kvRounds?: Deno.Kv;
  secrets: AppSecrets;
  records: RecordStores;
  /** Upstash Redis (rate limits, OTP state, cache); absent: all of it in KV. */
  upstash?: UpstashConnection;
  /** The Twilio sender; absent: the console sender (dev outbox). */
  twilio?: MessageSender;
  /** Fault injection (APP_ENV=test), see bootstrap.ts `crashPoints`. */
  crashPoint?: (name: string) => void;
}

export interface WiredApp {
  deps: AppDeps;
  /**
   * Starts event delivery (the outbox relay's interval and, where present, Deno.cron); with
   * `firstPassOnWake` the relay's first pass waits for `events.relay.wake()`.
   */
  start(options?: { firstPassOnWake?: boolean }): void;
  /**
   * Stops what `start` started, waits for notices still sending, and closes the room hub; the
   * resources stay open (their opener closes them).
   */
  close(): Promise<void>;
}

/**
 * The dev outbox lists the codes sent to a phone to whoever asks: only for the console sender,
 * never in production, and only on a loopback listener, so a development server reachable from a
 * network never hands out codes.
 */
function devOutbox(
  config: Config,
  sender: MessageSender,
  kv: Deno.Kv,
  hash: KeyedHash,
  log: Logger,
) {
  if (sender.name !== "console" || config.APP_ENV === "production") return null;
  const loopback = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i.test(config.HOST);
  if (!loopback) {
    log.warn("dev outbox off: HOST is not a loopback address", { host: config.HOST });
    return null;
  }
  return (to: string) => readOutbox(kv, hash, to);
}

export async function wireApp(
  resources: Resources,
  config: Config,
  log: Logger,
  clock: { now: () => number },
): Promise<WiredApp> {
  const { kv, secrets, crashPoint } = resources;
  const { now } = clock;
  const hash = await createKeyedHash(secrets.hmacSecret);
  const cipher = await createDataCipher(secrets.dataKeys);
  // Every store writing through `kv` (sessions, ephemeral values, messages, stored answers, done
  // marks) shares this one queue (groupCommitOf), so they wait behind one commit, not one each.
  const group = groupCommitOf(kv);
  const refresh = createRefreshTokens(
    kv,
    hash,
    config.REFRESH_TOKEN_TTL_DAYS * 86_400_000,
    now,
    config.REFRESH_REUSE_GRACE_SECONDS * 1000,
  );
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
  const records = instrumentStores(
    config.MONGODB_URI ? announceDoctorUpdates(resources.records, kv, now) : resources.records,
    metrics,
  );
  const holds = createKvHoldStore(kv, {
    cellMarks: config.KV_CELL_MARKS,
    // KV records: placing a hold also refuses booked time, read at the hold's calendar version.
    booked: config.MONGODB_URI ? undefined : records.appointments.busy,
  });
  const webhookPresence = createWebhookPresence(kv, { cellMarks: config.KV_CELL_MARKS });
  const shared = await sharedState(config, kv, resources.upstash, log, now, metrics);
  const { ephemeral, limiter } = shared;
  const deliveries = resources.twilio
    ? createDeliveryTracker(resources.twilio, { kv, cipher, metrics, log, now })
    : undefined;
  const sender = deliveries?.sender ?? createConsoleSender(kv, log, hash, group);
  const prakriti = createKvPrakritiStore(kv, cipher);
  const idempotency = sealedIdempotencyStore(createKvIdempotencyStore(kv, group), cipher, hash);
  const otp = createOtpService({ config, store: ephemeral, limiter, hash, sender, metrics, now });
  const waitlistStore = createKvWaitlistStore(kv);
  const courseStore = createKvCourseStore(kv, holds);
  const settings = eventSettingsFrom(config);
  // On a denokv server shared by several instances, listings answer from a version round begun
  // up to FRESH_FOR_MS before them instead of waiting for the next one, because every calendar
  // commit answers that much later. Not while an older release may run beside this one
  // (KV_CELL_MARKS, README "Upgrading"): its commits answer at once.
  const freshForMs = resources.kvRounds && !config.KV_CELL_MARKS ? FRESH_FOR_MS : 0;
  if (freshForMs > 0) delayCalendarAnswers(kv, freshForMs + ANSWER_MARGIN_MS);
  watchCalendarRaces(kv, () => metrics.calendarRacesLost.inc());
  const calendarView = createKvCalendarView(kv, {
    doctors: records.doctors,
    appointments: records.appointments,
    holds,
  }, {
    follow: config.MONGODB_URI ? "records-outside-kv" : "kv-records",
    minRoundGapMs: isRemoteKv(config.KV_PATH) ? REMOTE_MIN_ROUND_GAP_MS : MIN_ROUND_GAP_MS,
    witness: resources.kvWitness,
    versionsKv: resources.kvRounds,
    freshForMs,
  });
  const events = createEventRuntime({
    kv,
    records,
    holds,
    cipher,
    sender,
    log,
    now,
    audit,
    doctorOf: async (id) => (await calendarView.read(id))?.doctor ?? null,
    webhooks: createWebhookService({
      store: createKvWebhookStore(kv, webhookPresence),
      cipher,
      now,
      allowPrivateUrls: !settings.strictWebhookHosts,
      rotationGraceMs: settings.webhookGraceMs,
    }),
    waitlist: createWaitlistService({
      store: waitlistStore,
      records,
      now,
      maxPerPatient: config.MAX_WAITLIST_PER_PATIENT,
    }),
    settings,
    onRetry: () => metrics.queueRetries.inc(),
    group,
    onStats: (s) => recordOutboxStats(metrics, s),
    onHoldExpired: () => metrics.holdsExpired.inc(),
  });
  const writer = createAppointmentWriter({
    kv,
    records,
    holds,
    log,
    now,
    dispatcher: events.dispatcher,
    webhookPresence,
    inlineBudgetMs: settings.inlineNoticeBudgetMs,
    wake: () => events.relay.wake(),
    crashPoint,
  });
  const booking = createBookingService({
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
    audit,
    calendarView,
  });
  const rooms = await openRoomService({
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
        cipher,
        holds,
        courses: courseStore,
        waitlist: waitlistStore,
        prakriti,
        refresh,
        idempotency,
        appointments: records.appointments,
        ephemeral,
        now,
      }),
    }),
    doctors: shared.cacheDoctors(createDoctorService({ records, cipher, hash, now })),
    booking,
    idempotencyStore: idempotency,
    apiLimiter: shared.apiLimiter,
    readiness: {
      kv: async () => void await kv.get(pingKey),
      records: () => records.ping(),
      ephemeral: () => ephemeral.ping(),
      ...shared.readiness,
    },
    outbox: devOutbox(config, sender, kv, hash, log),
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
      isApiSessionLive: refresh.isLive,
    }),
    bookSessions: createKvPatientSessionStore(kv, config.BOOK_SESSION_TTL_SECONDS * 1000, now),
    courses: createCourseService({
      config,
      records,
      holds,
      courses: courseStore,
      booking,
      writer,
      cipher,
      hash,
      sender,
      now,
    }),
    prakriti,
    rooms,
  };
  return {
    deps,
    // Event delivery runs in every process, from the shared outbox.
    start: ({ firstPassOnWake = false } = {}) =>
      events.relay.start({ intervalMs: settings.pollMs, cron: true, firstPassOnWake }),
    async close() {
      await events.relay.stop();
      await writer.settled();
      await rooms.close();
    },
  };
}
