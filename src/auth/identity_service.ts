/**
 * Login: a verified phone becomes a user. A phone in ADMIN_PHONES is an admin, a phone registered
 * to a doctor is that doctor, anyone else is a patient (registered on first login). Issues the
 * access token and the first refresh token of a new session.
 */
import type { Config } from "../config/config.ts";
import type { DataCipher } from "../crypto/data_cipher.ts";
import type { KeyedHash } from "../crypto/keyed_hash.ts";
import { newId } from "../crypto/random.ts";
import type { RecordStores } from "../stores/ports.ts";
import { newPatientRecord } from "../patients/patient_record.ts";
import type { CodeRecipient, OtpService } from "./otp_service.ts";
import type { RefreshTokens } from "./refresh_tokens.ts";
import type { AuthUser, TokenService } from "./token_service.ts";

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

export function createIdentityService(deps: IdentityDeps) {
  const { config, records, tokens, refresh, cipher, hash, now } = deps;

  async function userFor(phone: string): Promise<AuthUser> {
    const phoneIndex = await hash.hash("phone", phone);
    if (
      config.ADMIN_PHONES.includes(phone) || await deps.isAdminPhoneIndex?.(phoneIndex)
    ) {
      return { id: `adm_${phoneIndex.slice(0, 22)}`, role: "admin" };
    }
    const doctor = await records.doctors.findByPhoneIndex(phoneIndex);
    if (doctor) return { id: doctor.id, role: "doctor" };
    const iso = new Date(now()).toISOString();
    const candidate = newPatientRecord({
      id: newId("pat"),
      phoneIndex,
      phoneSealed: await cipher.seal(phone),
      nowIso: iso,
    });
    const patient = await records.patients.getOrCreate(candidate);
    return { id: patient.id, role: "patient" };
  }

  async function pair(user: AuthUser, refreshToken: string): Promise<TokenPair> {
    return {
      accessToken: await tokens.signAccess(user),
      refreshToken,
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
      ip?: string,
    ): Promise<TokenPair> {
      await deps.otp.verifyLoginCode(phone, code, ip);
      const user = await userFor(phone);
      return pair(user, await refresh.issue(user, userAgent));
    },
    async refresh(refreshToken: string): Promise<TokenPair> {
      const rotated = await refresh.rotate(refreshToken);
      return pair(rotated.user, rotated.token);
    },
    logout(user: AuthUser, refreshToken: string) {
      return refresh.revoke(refreshToken, user.id);
    },
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
