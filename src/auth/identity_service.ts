/**
 * Login: a verified phone becomes a user. A phone in ADMIN_PHONES is an admin, a phone registered
 * to a doctor is that doctor, anyone else is a patient (registered on first login). Issues the
 * access token and the first refresh token of a new session. A refresh re-derives the role from
 * the grants as they are now: when it changed (an admin revoked, a doctor removed), the session
 * ends with a 401 and the next login gets the new role.
 */
import type { Config } from "../config/config.ts";
import type { DataCipher } from "../crypto/data_cipher.ts";
import type { KeyedHash } from "../crypto/keyed_hash.ts";
import { newId } from "../crypto/random.ts";
import { UnauthenticatedError } from "../errors.ts";
import type { RecordStores } from "../stores/ports.ts";
import { newPatientRecord } from "../patients/patient_record.ts";
import type { CodeRecipient, OtpService } from "./otp_service.ts";
import type { RefreshTokens } from "./refresh_tokens.ts";
import type { AuthUser, TokenService, TokenUser } from "./token_service.ts";

export interface IdentityDeps {
  config: Config;
  records: RecordStores;
  otp: OtpService;
  tokens: TokenService;
  refresh: RefreshTokens;
  cipher: DataCipher;
  hash: KeyedHash;
  now: () => number;
  /** Admins granted at run time by `deno task admin:create` (checked after ADMIN_PHONES). */
  isAdminPhoneIndex?: (phoneIndex: string) => Promise<boolean>;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: "Bearer";
  expiresIn: number;
  user: AuthUser;
}

/** How every admin's user id starts. */
export const ADMIN_ID_PREFIX = "adm_";

/** The user id of an admin: derived from the phone's blind index, so it is the same every login. */
export function adminUserId(phoneIndex: string): string {
  return `${ADMIN_ID_PREFIX}${phoneIndex.slice(0, 22)}`;
}

export function createIdentityService(deps: IdentityDeps) {
  const { config, records, tokens, refresh, cipher, hash, now } = deps;

  let configAdmins: Promise<Set<string>> | null = null;
  function isConfigAdmin(phoneIndex: string) {
    configAdmins ??= Promise.all(config.ADMIN_PHONES.map((p) => hash.hash("phone", p)))
      .then((indexes) => new Set(indexes));
    return configAdmins.then((set) => set.has(phoneIndex));
  }

  /**
   * A lookup started before it is known to be needed, so that the admin grant's, the doctor's and
   * the patient's all leave in one turn: stores that group reads send them as one (MongoDB
   * records: one find of `phones`; KV: one `getMany`, which on a `denokv` server also spares the
   * ~44 ms a second request in flight on the connection waits: get_batch.ts). A failure is seen
   * only by whoever awaits it: an admin's answer, which needs no record, never waits on one.
   */
  function lookedUpEarly<T>(lookup: Promise<T>): Promise<T> {
    lookup.catch(() => {});
    return lookup;
  }

  /** The admin or doctor a phone is now, or null for a patient. */
  async function privilegedUser(phoneIndex: string): Promise<AuthUser | null> {
    const granted = lookedUpEarly(deps.isAdminPhoneIndex?.(phoneIndex) ?? Promise.resolve(false));
    const doctor = lookedUpEarly(records.doctors.findByPhoneIndex(phoneIndex));
    if (await isConfigAdmin(phoneIndex) || await granted) {
      return { id: adminUserId(phoneIndex), role: "admin" };
    }
    const found = await doctor;
    return found ? { id: found.id, role: "doctor" } : null;
  }

  async function userFor(phone: string, phoneIndex: string, language?: string): Promise<AuthUser> {
    // A returning patient is looked up beside the doctor rather than after; only a phone nobody
    // has yet goes on to register (getOrCreate settles a race for it).
    const returning = lookedUpEarly(records.patients.findByPhoneIndex(phoneIndex));
    const privileged = await privilegedUser(phoneIndex);
    if (privileged) return privileged;
    const known = await returning;
    if (known) return { id: known.id, role: "patient" };
    const iso = new Date(now()).toISOString();
    const candidate = newPatientRecord({
      id: newId("pat"),
      phoneIndex,
      phoneSealed: await cipher.seal(phone),
      language,
      nowIso: iso,
    });
    const patient = await records.patients.getOrCreate(candidate, { absent: true });
    return { id: patient.id, role: "patient" };
  }

  /** Whether a session's user is still who its phone makes it now. */
  async function stillHolds(user: AuthUser, phoneIndex: string | null): Promise<boolean> {
    if (phoneIndex === null) return user.role === "patient";
    const privileged = await privilegedUser(phoneIndex);
    if (privileged) return privileged.id === user.id && privileged.role === user.role;
    return user.role === "patient";
  }

  /**
   * Checks a login code and starts a session (refresh-token family) for the phone's user; a phone
   * nobody has yet registers a patient whose messages go in `language` (the request's
   * Accept-Language, as its login code did) until they choose one.
   */
  async function start(
    phone: string,
    code: string,
    userAgent: string | null,
    ip: string,
    language?: string,
  ) {
    // The user is found (or registered) before the code is used up: a records failure (503)
    // leaves the code good for the retry.
    const { phoneIndex, prepared: user } = await deps.otp.verifyLoginCode(
      phone,
      code,
      ip,
      (index) => userFor(phone, index, language),
    );
    return { user, issued: await refresh.issue(user, userAgent, phoneIndex) };
  }

  async function pair(
    user: AuthUser,
    issued: { token: string; sessionId: string },
  ): Promise<TokenPair> {
    return {
      accessToken: await tokens.signAccess(user, issued.sessionId),
      refreshToken: issued.token,
      tokenType: "Bearer",
      expiresIn: tokens.accessTtlSeconds,
      user,
    };
  }

  return {
    /**
     * Where and how a code to this phone goes: a known patient's channel and language, else SMS
     * in `fallbackLanguage` (the request's `Accept-Language`).
     */
    async codeRecipient(phone: string, fallbackLanguage: string): Promise<CodeRecipient> {
      const p = await records.patients.findByPhoneIndex(await hash.hash("phone", phone));
      return p && !p.erasedAt
        ? { channel: p.channel, language: p.language }
        : { channel: "sms", language: fallbackLanguage };
    },
    async login(
      phone: string,
      code: string,
      userAgent: string | null,
      ip: string,
      language?: string,
    ): Promise<TokenPair> {
      const { user, issued } = await start(phone, code, userAgent, ip, language);
      return pair(user, issued);
    },
    /**
     * Login for the web pages: the same session as `login`, but only its id leaves, to be kept
     * server-side (the pages' cookie holds their own opaque token, never an API token).
     */
    async webLogin(phone: string, code: string, userAgent: string | null, ip: string) {
      const { user, issued } = await start(phone, code, userAgent, ip);
      return { user, sessionId: issued.sessionId };
    },
    async refresh(refreshToken: string): Promise<TokenPair> {
      // The role is checked before the token is used up: a check that cannot be made now (the
      // records store down: 503) leaves the token good for the client's retry.
      const rotated = await refresh.rotate(refreshToken, async (session) => {
        if (!(await stillHolds(session.user, session.phoneIndex))) {
          await refresh.end(session.sessionId);
          throw new UnauthenticatedError("Your role has changed; log in again");
        }
      });
      return pair(rotated.user, rotated);
    },
    /**
     * Ends the session of `refreshToken` (if it is the caller's) and the caller's own: a 204 says
     * logged out, whatever token a client sent along (a stale one, another device's).
     */
    async logout(user: TokenUser, refreshToken: string) {
      await refresh.revoke(refreshToken, user.id);
      await refresh.revokeSession(user.id, user.sessionId);
    },
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
