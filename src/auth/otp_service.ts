/**
 * Login one-time codes: 6 digits from the CSPRNG, kept only as an HMAC bound to the phone and to
 * the login purpose, valid for OTP_TTL_SECONDS, single use, at most OTP_MAX_ATTEMPTS wrong tries per
 * code; repeated failures lock the phone for a while; a resend cool-down and per-phone and per-IP
 * send limits stop SMS pumping. A check is counted before the code is compared (atomically, capped
 * at the limit), so a burst of simultaneous guesses compares at most OTP_MAX_ATTEMPTS of them.
 * Only wrong guesses at an outstanding code count towards the lock-out: otherwise anyone could
 * lock any phone (an admin's too) without ever receiving a code. If the message cannot be sent, the code is withdrawn at once, so no
 * code exists that the patient was not sent.
 */
import type { Config } from "../config/config.ts";
import type { KeyedHash } from "../crypto/keyed_hash.ts";
import { newId, randomDigits } from "../crypto/random.ts";
import { loginCodeMessage } from "../i18n/code_templates.ts";
import { InvalidCodeError, RateLimitedError } from "../errors.ts";
import type { Channel, MessageSender } from "../notify/message_sender.ts";
import type { AppMetrics } from "../observability/metrics.ts";
import { type RateLimiter, rateLimitHeaders } from "../ratelimit/rate_limiter.ts";
import type { EphemeralStore } from "../stores/ports.ts";

/** How a code reaches a phone: the known patient's channel and language, or the request's. */
export interface CodeRecipient {
  channel: Channel;
  language: string;
}

interface StoredCode {
  id: string;
  hash: string;
  expiresAtMs: number;
}

export interface OtpService {
  /**
   * Sends a login code to `phone` on the recipient's channel, in their language. A recipient to
   * look up is looked up only once a code will go: a refused request reads no record, so its
   * answer takes as long for a registered phone as for an unknown one.
   */
  sendLoginCode(
    phone: string,
    ip: string,
    to: CodeRecipient | (() => Promise<CodeRecipient>),
  ): Promise<{ expiresAt: string }>;
  /**
   * `ip` limits code checks per client address (code sprays across many phones). Answers the
   * phone's blind index (computed here anyway), so a login does not hash the phone again, and
   * what `prepare` found: it runs once the code is found right, before it is used up, so should
   * it fail (the records store down), the code stays good for the client's retry.
   */
  verifyLoginCode<T>(
    phone: string,
    code: string,
    ip: string,
    prepare: (phoneIndex: string) => Promise<T>,
  ): Promise<{ phoneIndex: string; prepared: T }>;
}

export interface OtpDeps {
  config: Config;
  store: EphemeralStore;
  limiter: RateLimiter;
  hash: KeyedHash;
  sender: MessageSender;
  metrics: AppMetrics;
  now: () => number;
}

const HOUR = 60 * 60 * 1000;

export function createOtpService(deps: OtpDeps): OtpService {
  const { config, store, limiter, hash, sender, now } = deps;
  const ttlMs = config.OTP_TTL_SECONDS * 1000;

  async function assertNotLocked(phoneIndex: string) {
    const lockedMs = await store.ttl(`otp_lock:${phoneIndex}`);
    if (lockedMs > 0) {
      throw new RateLimitedError(
        lockedMs / 1000,
        "Too many wrong codes for this phone; try again later",
      );
    }
  }

  async function limit(name: string, max: number, key: string) {
    if (config.RATE_LIMIT_DISABLED) return;
    const r = await limiter.check({ name, limit: max, windowMs: HOUR }, key);
    if (!r.allowed) {
      throw new RateLimitedError(
        (r.resetAtMs - now()) / 1000,
        "Too many codes requested; try again later",
        rateLimitHeaders(r, now()),
      );
    }
  }

  async function countFailure(phoneIndex: string) {
    if (config.RATE_LIMIT_DISABLED) return;
    const failures = await store.increment(
      `otp_failures:${phoneIndex}`,
      config.OTP_LOCKOUT_SECONDS * 1000,
      config.OTP_LOCKOUT_FAILURES,
    );
    if (failures >= config.OTP_LOCKOUT_FAILURES) {
      await store.set(`otp_lock:${phoneIndex}`, true, config.OTP_LOCKOUT_SECONDS * 1000);
    }
  }

  return {
    async sendLoginCode(phone, ip, to) {
      const phoneIndex = await hash.hash("phone", phone);
      await assertNotLocked(phoneIndex);
      const cooldownKey = `otp_cooldown:${phoneIndex}`;
      if (!config.RATE_LIMIT_DISABLED && config.OTP_RESEND_COOLDOWN_SECONDS > 0) {
        const wait = await store.ttl(cooldownKey);
        if (wait > 0) throw new RateLimitedError(wait / 1000, "Wait before asking for a new code");
      }
      // The client's own budget first: a client past it must not spend the phone's, or one
      // address could keep any number of phones from getting a code for an hour.
      await limit("otp_send_ip", config.OTP_SENDS_PER_IP_PER_HOUR, ip);
      await limit("otp_send_phone", config.OTP_SENDS_PER_PHONE_PER_HOUR, phoneIndex);
      // SMS pumping spreads over many phones and addresses, under each one's budget: the
      // operator's ceiling on all codes sent caps what it can cost.
      if (config.OTP_SENDS_PER_HOUR !== undefined) {
        await limit("otp_send_all", config.OTP_SENDS_PER_HOUR, "all");
      }

      // Claimed, not just set: of simultaneous requests (a double tap, a client's retry) only one
      // sends; another code would make the first message's stale and cost one more SMS.
      if (!config.RATE_LIMIT_DISABLED && config.OTP_RESEND_COOLDOWN_SECONDS > 0) {
        const cooldownMs = config.OTP_RESEND_COOLDOWN_SECONDS * 1000;
        if (!(await store.setIfAbsent(cooldownKey, true, cooldownMs))) {
          const wait = await store.ttl(cooldownKey);
          throw new RateLimitedError(
            (wait || cooldownMs) / 1000,
            "Wait before asking for a new code",
          );
        }
      }

      let recipient: CodeRecipient;
      try {
        recipient = typeof to === "function" ? await to() : to;
      } catch (err) {
        await store.take(cooldownKey);
        throw err;
      }

      const code = randomDigits(6);
      const stored: StoredCode = {
        id: newId("otp"),
        hash: await hash.hash("login_code", `${phoneIndex}:${code}`),
        expiresAtMs: now() + ttlMs,
      };
      await store.set(`otp:${phoneIndex}`, stored, ttlMs);
      try {
        await sender.send({
          to: phone,
          channel: recipient.channel,
          code,
          ...loginCodeMessage(recipient.language, { code, validSeconds: config.OTP_TTL_SECONDS }),
        });
        deps.metrics.codesSent.inc({ purpose: "login", outcome: "sent" });
      } catch (err) {
        deps.metrics.codesSent.inc({ purpose: "login", outcome: "failed" });
        await store.take(`otp:${phoneIndex}`);
        await store.take(cooldownKey);
        throw err;
      }
      return { expiresAt: new Date(stored.expiresAtMs).toISOString() };
    },

    async verifyLoginCode(phone, code, ip, prepare) {
      const phoneIndex = await hash.hash("phone", phone);
      await assertNotLocked(phoneIndex);
      await limit("otp_verify_ip", config.OTP_VERIFIES_PER_IP_PER_HOUR, ip);
      const key = `otp:${phoneIndex}`;
      const stored = await store.get<StoredCode>(key);
      if (!stored || stored.expiresAtMs <= now()) {
        // Not counted: no code was compared. (Whether one is waiting is no secret: asking for a
        // code during the resend cool-down says as much.)
        throw new InvalidCodeError("No code is waiting for this phone; ask for a new one");
      }
      const tries = await store.increment(
        `otp_attempts:${stored.id}`,
        ttlMs,
        config.OTP_MAX_ATTEMPTS,
      );
      if (tries > config.OTP_MAX_ATTEMPTS) {
        await store.take(key);
        throw new InvalidCodeError("Too many wrong codes; ask for a new code");
      }
      const candidate = await hash.hash("login_code", `${phoneIndex}:${code}`);
      if (!hash.equal(stored.hash, candidate)) {
        if (tries >= config.OTP_MAX_ATTEMPTS) await store.take(key);
        await countFailure(phoneIndex);
        throw new InvalidCodeError();
      }
      const prepared = await prepare(phoneIndex);
      // Single use: of two concurrent correct submissions only one removes the code.
      if (!(await store.take(key))) throw new InvalidCodeError();
      await store.take(`otp_failures:${phoneIndex}`);
      return { phoneIndex, prepared };
    },
  };
}
