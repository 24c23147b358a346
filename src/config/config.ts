/**
 * Configuration: read once from the environment at start-up, validated with zod. A bad value stops
 * start-up with a message that names the variable. Nothing else in the app reads `Deno.env`.
 */
import { z } from "zod";
import { normalisePhone } from "../domain/phone_number.ts";
import { AUDIT_KEY_FORMAT } from "../audit/audit_keys.ts";
import { base64ToBytes } from "../crypto/encoding.ts";
import { kvLocation } from "./kv_location.ts";
import { WhatsAppTemplatesJson } from "../notify/whatsapp_templates.ts";
import { type AddressRange, parseAddressRange } from "../http/trusted_proxies.ts";

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const e164 = z.string().regex(
  /^\+[1-9]\d{7,14}$/,
  "must be an E.164 phone number like +919812345678",
);
const phoneList = z.string().transform((s, ctx) => {
  const phones = s.split(",").map((p) => p.trim()).filter(Boolean);
  const out: string[] = [];
  for (const p of phones) {
    const phone = e164.safeParse(p).success ? normalisePhone(p) : null;
    if (phone) out.push(phone);
    else {
      ctx.addIssue({ code: "custom", message: `"${p.slice(0, 4)}…" is not an E.164 phone number` });
    }
  }
  return out;
});
const optionalString = z.string().min(1).optional();
/** Comma-separated web origins (`https://clinic.example`, no path), as CSP source expressions. */
const originList = z.string().transform((s, ctx) => {
  const origins = s.split(",").map((o) => o.trim()).filter(Boolean);
  for (const o of origins) {
    if (!/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i.test(o)) {
      ctx.addIssue({
        code: "custom",
        message: `"${o}" is not an origin like https://clinic.example (scheme and host only)`,
      });
    }
  }
  return origins.map((o) => o.toLowerCase());
});
/** Comma-separated IPv4/IPv6 addresses and CIDR prefixes, each parsed once here. */
const addressRangeList = z.string().transform((s, ctx) => {
  const entries = s.split(",").map((v) => v.trim()).filter(Boolean);
  if (entries.length === 0) {
    ctx.addIssue({ code: "custom", message: "lists no address or CIDR prefix" });
  }
  const ranges: AddressRange[] = [];
  for (const entry of entries) {
    const range = parseAddressRange(entry);
    if (typeof range === "string") ctx.addIssue({ code: "custom", message: range });
    else ranges.push(range);
  }
  return ranges;
});
const csv = z.string().transform((s) => s.split(",").map((v) => v.trim()).filter(Boolean));

export const configSchema = z.object({
  APP_ENV: z.enum(["development", "test", "production"]).default("development"),
  PORT: int(0, 65535).default(8000),
  /** Loopback by default: a public listener is a deliberate choice (Dockerfile, fly.toml). */
  HOST: z.string().min(1).default("127.0.0.1"),
  /** Unset: `./data/vaidya.kv`, or on Deno Deploy the platform's database (kv_location.ts). */
  KV_PATH: z.string().min(1).optional(),
  /** How long one call to a KV server may take before the request answers 503 (remote KV only). */
  KV_TIMEOUT_MS: int(100, 60_000).default(3_000),
  /**
   * Also keep the per-5-minute-cell claim and hold keys that versions before the index guard read
   * (src/stores/kv/cell_marks.ts): set it for a rolling deploy that replaces such a version on a
   * shared KV, and unset it once none runs (README, "Upgrading").
   */
  KV_CELL_MARKS: bool.default(false),
  /** Serve `/metrics` on this port only (an internal listener), not on PORT. Unset: on PORT. */
  METRICS_PORT: int(1, 65535).optional(),
  /** The address of the metrics listener; default HOST. */
  METRICS_HOST: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /**
   * The header our own proxy sets to the client's address (`Fly-Client-IP` on Fly, `X-Real-IP`
   * behind nginx). Unset: the socket peer is the client. Never name a header clients can set.
   */
  TRUSTED_PROXY_HEADER: z.string().regex(/^[A-Za-z0-9-]+$/, "must be an HTTP header name")
    .optional(),
  /**
   * The socket peers (addresses and CIDR prefixes, comma-separated) whose TRUSTED_PROXY_HEADER is
   * believed: our proxy's. Any other peer is itself the client. Unset with the header set:
   * loopback and private ranges (DEFAULT_TRUSTED_PROXY_ADDRESSES), with a start-up warning.
   */
  TRUSTED_PROXY_ADDRESSES: addressRangeList.optional(),
  PUBLIC_BASE_URL: z.url().optional(),

  HOLD_TTL_SECONDS: int(1, 3600).default(300),
  MAX_ACTIVE_HOLDS_PER_PATIENT: int(1, 20).default(3),
  CANCEL_CUTOFF_MINUTES: int(0, 7 * 24 * 60).default(120),
  IDEMPOTENCY_TTL_HOURS: int(1, 24 * 7).default(24),
  MAX_SLOT_RANGE_DAYS: int(1, 62).default(31),

  OTP_TTL_SECONDS: int(60, 900).default(300),
  OTP_MAX_ATTEMPTS: int(1, 10).default(5),
  OTP_RESEND_COOLDOWN_SECONDS: int(0, 600).default(30),
  OTP_LOCKOUT_FAILURES: int(1, 100).default(10),
  OTP_LOCKOUT_SECONDS: int(10, 86400).default(900),
  OTP_SENDS_PER_PHONE_PER_HOUR: int(1, 1000).default(5),
  OTP_SENDS_PER_IP_PER_HOUR: int(1, 100000).default(30),
  OTP_VERIFIES_PER_IP_PER_HOUR: int(1, 100000).default(60),
  /** Login codes sent to all phones together per hour: a ceiling on SMS spend; none when unset. */
  OTP_SENDS_PER_HOUR: int(1, 100_000_000).optional(),
  API_REQUESTS_PER_MINUTE_PER_IP: int(1, 1_000_000).default(300),
  API_REQUESTS_PER_MINUTE_PER_USER: int(1, 1_000_000).default(120),
  HOLDS_PER_PATIENT_PER_HOUR: int(1, 10000).default(20),
  RATE_LIMIT_DISABLED: bool.default(false),

  ADMIN_PHONES: phoneList.default([]),
  JWT_ISSUER: z.string().min(1).default("https://vaidya.local"),
  JWT_AUDIENCE: z.string().min(1).default("vaidya-api"),
  ACCESS_TOKEN_TTL_SECONDS: int(60, 3600).default(900),
  REFRESH_TOKEN_TTL_DAYS: int(1, 365).default(30),
  /**
   * How long after a refresh token's first use a second use still gets a new pair in the same
   * session (a retried refresh whose answer was lost, two tabs at once) instead of ending the
   * session as theft; 0 turns it off. Short: a thief who uses a token within it is not caught.
   */
  REFRESH_REUSE_GRACE_SECONDS: int(0, 60).default(0),
  /** Lifetime of a doctor web UI session (/doctor), fixed from login. */
  UI_SESSION_TTL_SECONDS: int(1, 7 * 86400).default(12 * 3600),
  /** Lifetime of a patient's session on the booking pages (/book), fixed from login. */
  BOOK_SESSION_TTL_SECONDS: int(60, 30 * 86400).default(7 * 86400),
  /** Sites allowed to frame /book/embed (CSP frame-ancestors); empty: no site may. */
  BOOK_EMBED_ORIGINS: originList.default([]),
  /** JSON array of private JWKs (Ed25519 `OKP` or `EC` P-256), each with a `kid`; the first signs. */
  JWT_PRIVATE_JWKS: optionalString,
  /** `kid:base64key,...` AES-256 keys; the first seals, all open. */
  DATA_ENCRYPTION_KEYS: optionalString,
  /** base64 secret (>= 32 bytes) for phone blind indexes and code HMACs. */
  HMAC_SECRET: optionalString,
  /**
   * Keys of the tamper-evident audit chain: `kid:base64[,kid:base64...]`, 32+ bytes each; the
   * first signs, all verify (rotation: put a new key first). Generated in development.
   */
  AUDIT_KEY: z.string().regex(AUDIT_KEY_FORMAT, "expected kid:base64key[,kid:base64key...]")
    .optional(),

  CORS_ORIGINS: csv.default([]),
  BODY_LIMIT_BYTES: int(1024, 10_000_000).default(64 * 1024),
  REQUEST_TIMEOUT_MS: int(100, 120_000).default(10_000),
  SHUTDOWN_TIMEOUT_MS: int(100, 120_000).default(10_000),
  /** After SIGTERM, how long /readyz answers 503 while requests are still served (drain). */
  DRAIN_DELAY_MS: int(0, 60_000).default(0),

  MONGODB_URI: optionalString,
  MONGODB_DB: z.string().min(1).default("vaidya"),
  MONGODB_AUTO_MIGRATE: bool.default(false),
  /**
   * Also keep `busy_weeks`, the busy index the release before `busy_entries` reads
   * (src/stores/mongo/busy_weeks.ts): set it for a rolling deploy that replaces such a release, and
   * unset it once none runs (README, "Upgrading").
   */
  MONGODB_BUSY_WEEKS: bool.default(false),
  MONGODB_MAX_POOL_SIZE: int(1, 1000).default(20),
  MONGODB_TIMEOUT_MS: int(100, 60_000).default(5_000),
  MONGODB_RETRY_WRITES: bool.default(true),

  UPSTASH_REDIS_REST_URL: z.url().optional(),
  UPSTASH_REDIS_REST_TOKEN: optionalString,
  REDIS_TIMEOUT_MS: int(50, 30_000).default(1_500),

  TWILIO_ACCOUNT_SID: optionalString,
  TWILIO_AUTH_TOKEN: optionalString,
  TWILIO_FROM: e164.optional(),
  TWILIO_MESSAGING_SERVICE_SID: optionalString,
  TWILIO_WHATSAPP_FROM: e164.optional(),
  TWILIO_API_BASE_URL: z.url().optional(),
  /** WhatsApp Content templates per message kind and language (notify/whatsapp_templates.ts). */
  TWILIO_WHATSAPP_TEMPLATES: WhatsAppTemplatesJson.optional(),

  /** Events (src/events/): first retry delay (doubling per try) and tries before dead-letter. */
  EVENT_RETRY_BASE_MS: int(10, 3_600_000).default(5_000),
  EVENT_MAX_ATTEMPTS: int(1, 20).default(6),
  /**
   * How long one delivery of an event to a handler may run before another instance takes it over
   * as crashed. Longer than any handler (a webhook POST is bounded by WEBHOOK_TIMEOUT_MS).
   */
  EVENT_LEASE_MS: int(1_000, 3_600_000).default(60_000),
  /** Test-only: reminders fall due this many seconds after the change (1 h one: twice that). */
  REMINDER_TEST_DUE_SECONDS: z.coerce.number().int().min(1).max(3600).optional(),
  /** How often each instance's outbox relay looks for due events (it is also woken by writes). */
  OUTBOX_POLL_MS: int(20, 60_000).default(1_000),
  WEBHOOK_TIMEOUT_MS: int(100, 60_000).default(5_000),
  WEBHOOK_SECRET_GRACE_HOURS: int(0, 24 * 30).default(24),
  WAITLIST_NOTIFY_PER_SLOT: int(1, 100).default(3),
  /** Days (any doctors) one patient may wait on at once; bounds their entries and listing. */
  MAX_WAITLIST_PER_PATIENT: int(1, 200).default(20),

  /** ICE servers of video rooms: comma-separated `turn:`, `turns:` and `stun:` URLs. */
  TURN_URLS: z.string().transform((s, ctx) => {
    const urls = s.split(",").map((v) => v.trim()).filter(Boolean);
    for (const url of urls) {
      if (!/^(turns?|stun):[^\s,]+$/i.test(url)) {
        ctx.addIssue({ code: "custom", message: `"${url}" is not a turn:, turns: or stun: URL` });
      }
    }
    return urls;
  }).default([]),
  /** coturn's `static-auth-secret`: signs short-lived TURN credentials (TURN REST API). */
  TURN_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  /** How long issued TURN credentials stay valid. */
  TURN_TTL_SECONDS: int(60, 86_400).default(600),

  /** Test-only crash points (comma-separated names); the process exits at once when it reaches one. */
  FAULT_INJECTION: csv.default([]),
  /**
   * Test-only: shifts the app's clock (every `now()` bootstrap hands out), so a multi-process test
   * can make a reminder fall due in seconds instead of an hour.
   */
  CLOCK_OFFSET_MS: z.coerce.number().int().min(-90 * 86_400_000).max(90 * 86_400_000).default(0),
  /** Test-only: shifts the clock of video rooms (src/rooms/) to test early and late joins. */
  ROOM_CLOCK_OFFSET_MS: z.coerce.number().int().min(-90 * 86_400_000).max(90 * 86_400_000)
    .default(0),
});

export type Config = z.infer<typeof configSchema>;

/**
 * The origin absolute links are built on: PUBLIC_BASE_URL, else (development and tests) the
 * configured listener. Never the request's Host header, which any client can set.
 */
export function publicBaseUrl(c: Config): string {
  if (c.PUBLIC_BASE_URL) return c.PUBLIC_BASE_URL.replace(/\/+$/, "");
  const host = c.HOST === "0.0.0.0" || c.HOST === "::" ? "localhost" : c.HOST;
  return `http://${host.includes(":") ? `[${host}]` : host}:${c.PORT}`;
}

export class ConfigError extends Error {
  /** One line per bad variable or combination, each naming the variable. */
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Parses and cross-checks the environment. Throws `ConfigError` naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ""),
  );
  // Parsed once per process: zod's compiled fast path for a ~100-key object (built with
  // `new Function` on the first parse, which no code cache keeps) cost more than the one parse it
  // speeds up, ~5 ms of every start (docs/BENCHMARKS.md, issue 15). Same checks, same issues.
  const parsed = configSchema.safeParse(cleaned, { jitless: true });
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const config = { ...parsed.data, KV_PATH: kvLocation(cleaned) };
  const problems = crossCheck(config);
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return config;
}

/** Bytes of a base64 or base64url value, or null when it is neither. */
function decodedLength(text: string): number | null {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return null;
  try {
    return base64ToBytes(text.replace(/=+$/, "")).length;
  } catch {
    return null;
  }
}

/**
 * Configured secrets that could never work, found here so that they stop start-up as invalid
 * configuration naming the variable (they were found only when the app was wired, with exit 1 and a
 * message naming neither). The same rules as where they are used: crypto/keyed_hash.ts,
 * crypto/data_cipher.ts, crypto/secrets.ts.
 */
function secretProblems(c: Config): string[] {
  const problems: string[] = [];
  if (c.HMAC_SECRET !== undefined) {
    const n = decodedLength(c.HMAC_SECRET);
    if (n === null) problems.push("HMAC_SECRET: must be base64");
    else if (n < 32) problems.push(`HMAC_SECRET: must be at least 32 bytes, found ${n}`);
  }
  if (c.DATA_ENCRYPTION_KEYS !== undefined) {
    const parts = c.DATA_ENCRYPTION_KEYS.split(",").map((p) => p.trim()).filter(Boolean);
    if (parts.length === 0) problems.push("DATA_ENCRYPTION_KEYS: expected kid:base64key[,...]");
    for (const part of parts) {
      const [id, key, extra] = part.split(":");
      if (!id || !key || extra !== undefined || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
        // Never the value itself: a key given without its kid is the key.
        problems.push(
          "DATA_ENCRYPTION_KEYS: expected kid:base64key (kid: 1-32 of A-Z a-z 0-9 _ -)",
        );
        continue;
      }
      const n = decodedLength(key);
      if (n !== 32) {
        problems.push(
          `DATA_ENCRYPTION_KEYS: key ${id} must be 32 bytes (AES-256), found ${n ?? 0}`,
        );
      }
    }
  }
  if (c.JWT_PRIVATE_JWKS !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(c.JWT_PRIVATE_JWKS);
    } catch {
      parsed = undefined;
    }
    const list = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown } | null)?.keys;
    const isPrivateKey = (k: unknown) =>
      typeof k === "object" && k !== null && typeof (k as { kid?: unknown }).kid === "string" &&
      typeof (k as { d?: unknown }).d === "string";
    if (!Array.isArray(list) || list.length === 0 || !list.every(isPrivateKey)) {
      problems.push(
        "JWT_PRIVATE_JWKS: expected a JSON array (or {keys:[...]}) of private JWKs, each with kid and d",
      );
    } else {
      // A token names its key by kid: two keys under one kid verify no token at all.
      const kids = list.map((k: { kid: string }) => k.kid);
      const repeated = kids.find((kid, i) => kids.indexOf(kid) !== i);
      if (repeated !== undefined) {
        problems.push(`JWT_PRIVATE_JWKS: kid "${repeated}" names more than one key`);
      }
    }
  }
  return problems;
}

/**
 * Store addresses that could never connect, found here so that they stop start-up as invalid
 * configuration naming the variable (the driver or `Deno.openKv` found them later, exiting 1 with a
 * message naming neither). The value is never echoed: a MongoDB URI carries a password.
 */
function storeAddressProblems(c: Config): string[] {
  const problems: string[] = [];
  if (c.MONGODB_URI !== undefined) {
    const m = /^mongodb(?:\+srv)?:\/\/(?:[^/?#]*@)?([^/?#@]*)/.exec(c.MONGODB_URI);
    const hosts = m?.[1].split(",") ?? [];
    if (!m) problems.push("MONGODB_URI: must start with mongodb:// or mongodb+srv://");
    else if (hosts.some((h) => !/^(?:\[[0-9a-f:.]+\]|[^:\[\]]+)(?::\d{1,5})?$/i.test(h))) {
      problems.push("MONGODB_URI: expected one or more host[:port] after the scheme");
    }
  }
  if (c.KV_PATH?.includes("://")) {
    let url: URL | undefined;
    try {
      url = new URL(c.KV_PATH);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.hostname === "") {
      problems.push("KV_PATH: a URL must be the http:// or https:// address of a KV server");
    }
  }
  return problems;
}

function crossCheck(c: Config): string[] {
  const problems: string[] = [...secretProblems(c), ...storeAddressProblems(c)];
  const twilioVars = [c.TWILIO_ACCOUNT_SID, c.TWILIO_AUTH_TOKEN];
  if (twilioVars.some(Boolean) && !twilioVars.every(Boolean)) {
    problems.push("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together");
  }
  if (c.TWILIO_ACCOUNT_SID && !c.TWILIO_FROM && !c.TWILIO_MESSAGING_SERVICE_SID) {
    problems.push(
      "TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required with TWILIO_ACCOUNT_SID",
    );
  }
  if (Boolean(c.UPSTASH_REDIS_REST_URL) !== Boolean(c.UPSTASH_REDIS_REST_TOKEN)) {
    problems.push("UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set together");
  }
  const turnUrls = c.TURN_URLS.filter((u) => /^turns?:/i.test(u));
  if (turnUrls.length > 0 && !c.TURN_SECRET) {
    problems.push("TURN_SECRET: required with a turn: or turns: URL in TURN_URLS");
  }
  if (c.TURN_SECRET && turnUrls.length === 0) {
    problems.push("TURN_URLS: TURN_SECRET is set but no turn: or turns: URL uses it");
  }
  if (c.TRUSTED_PROXY_ADDRESSES !== undefined && c.TRUSTED_PROXY_HEADER === undefined) {
    problems.push(
      "TRUSTED_PROXY_ADDRESSES: has no effect without TRUSTED_PROXY_HEADER (the header to believe)",
    );
  }
  if (c.METRICS_PORT !== undefined && c.METRICS_PORT === c.PORT) {
    problems.push("METRICS_PORT: must differ from PORT (metrics stay off the public port)");
  }
  if (c.DRAIN_DELAY_MS >= c.SHUTDOWN_TIMEOUT_MS) {
    problems.push("DRAIN_DELAY_MS: must be shorter than SHUTDOWN_TIMEOUT_MS");
  }
  if (c.FAULT_INJECTION.length > 0 && c.APP_ENV !== "test") {
    problems.push("FAULT_INJECTION: only allowed with APP_ENV=test");
  }
  if (c.CLOCK_OFFSET_MS !== 0 && c.APP_ENV !== "test") {
    problems.push("CLOCK_OFFSET_MS: only allowed with APP_ENV=test");
  }
  if (c.EVENT_LEASE_MS <= c.WEBHOOK_TIMEOUT_MS + 1_000) {
    problems.push("EVENT_LEASE_MS: must exceed WEBHOOK_TIMEOUT_MS by more than a second");
  }
  if (c.REMINDER_TEST_DUE_SECONDS !== undefined && c.APP_ENV !== "test") {
    problems.push("REMINDER_TEST_DUE_SECONDS: only allowed with APP_ENV=test");
  }
  if (c.ROOM_CLOCK_OFFSET_MS !== 0 && c.APP_ENV !== "test") {
    problems.push("ROOM_CLOCK_OFFSET_MS: only allowed with APP_ENV=test");
  }
  if (c.APP_ENV === "production") {
    if (!c.TWILIO_ACCOUNT_SID) {
      problems.push(
        "TWILIO_ACCOUNT_SID: production refuses the console SMS sender; configure Twilio",
      );
    }
    if (!c.JWT_PRIVATE_JWKS) {
      problems.push("JWT_PRIVATE_JWKS: production refuses generated signing keys");
    }
    if (!c.DATA_ENCRYPTION_KEYS) {
      problems.push("DATA_ENCRYPTION_KEYS: production refuses generated encryption keys");
    }
    if (!c.HMAC_SECRET) problems.push("HMAC_SECRET: production refuses a generated secret");
    if (!c.PUBLIC_BASE_URL) {
      problems.push(
        "PUBLIC_BASE_URL: production needs the public origin for absolute links (never the Host header)",
      );
    }
    if (!c.AUDIT_KEY) problems.push("AUDIT_KEY: production refuses a generated audit key");
    if (c.RATE_LIMIT_DISABLED) {
      problems.push("RATE_LIMIT_DISABLED: rate limits cannot be switched off in production");
    }
    if (c.TWILIO_API_BASE_URL) {
      problems.push("TWILIO_API_BASE_URL: only for tests; production talks to Twilio itself");
    }
  }
  return problems;
}
