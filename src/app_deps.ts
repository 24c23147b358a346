/** Everything the HTTP app needs, built once by the composition root (bootstrap.ts) or a test. */
import type { IdentityService } from "./auth/identity_service.ts";
import type { OtpService } from "./auth/otp_service.ts";
import type { RefreshTokens } from "./auth/refresh_tokens.ts";
import type { TokenService } from "./auth/token_service.ts";
import type { BookingService } from "./booking/booking_service.ts";
import type { Config } from "./config/config.ts";
import type { DoctorService } from "./doctors/doctor_service.ts";
import type { EventRuntime } from "./events/event_runtime.ts";
import type { PatientService } from "./patients/patient_service.ts";
import type { OutboxMessage } from "./notify/console_sender.ts";
import type { Logger } from "./observability/logger.ts";
import type { AppMetrics } from "./observability/metrics.ts";
import type { RateLimiter } from "./ratelimit/rate_limiter.ts";
import type { IdempotencyStore } from "./stores/kv/idempotency_store.ts";
import type { DoctorUiBackend } from "./ui/ui_backend.ts";
import type { PatientSessionStore } from "./ui/session_store.ts";
import type { CourseService } from "./courses/course_service.ts";
import type { PrakritiStore } from "./recommend/prakriti_store.ts";
import type { RoomService } from "./rooms/room_service.ts";
import type { DeliveryTracker } from "./notify/delivery_tracker.ts";

export interface AppDeps {
  config: Config;
  log: Logger;
  metrics: AppMetrics;
  now: () => number;
  tokens: TokenService;
  refresh: RefreshTokens;
  otp: OtpService;
  identity: IdentityService;
  doctors: DoctorService;
  patients: PatientService;
  booking: BookingService;
  idempotencyStore: IdempotencyStore;
  /** Per-request API limits (per IP and per user). */
  apiLimiter: RateLimiter;
  /** Named dependency checks for /readyz; each throws when its dependency is down. */
  readiness: Record<string, () => Promise<void>>;
  /** The dev outbox reader; null where there is none (production). */
  outbox: ((to: string) => Promise<OutboxMessage[]>) | null;
  /** Events, audit trail, waitlist and webhooks; absent in apps built without them (some tests). */
  events?: EventRuntime;
  /** The doctor web UI (/doctor); absent in apps built without it, e.g. some tests. */
  doctorUi?: DoctorUiBackend;
  /** Patient sessions of the booking pages (/book); absent in apps built without them. */
  bookSessions?: PatientSessionStore;
  /** Therapy courses (issue #10); absent in apps built without them. */
  courses?: CourseService;
  /** Stored prakriti assessments (issue #10); absent in apps built without them. */
  prakriti?: PrakritiStore;
  /** Delivery state of Twilio messages and the WhatsApp → SMS fallback; absent without Twilio. */
  deliveries?: DeliveryTracker;
  /** Video consultation rooms (issue #10 part 3); absent in apps built without them. */
  rooms?: RoomService;
}
