/**
 * Resolves the app's secrets: from configuration in production; in development and tests,
 * generated once and kept in KV under ["secret", name] (race-safe across processes), so tokens and
 * sealed data survive a restart. Production refuses generated secrets (see config.ts).
 */
import { exportJWK, generateKeyPair, type JWK } from "jose";
import type { Config } from "../config/config.ts";
import { bytesToBase64Url } from "./encoding.ts";
import { type DataKey, generateDataKeyBase64, parseDataKeys } from "./data_cipher.ts";
import { commit, withKvRetry } from "../stores/kv/kv_commit.ts";
import { secretKey } from "../stores/kv/keys.ts";
import { type AuditKey, parseAuditKeys } from "../audit/audit_keys.ts";

export interface AppSecrets {
  jwtPrivateJwks: JWK[];
  dataKeys: DataKey[];
  hmacSecret: string;
  /** Keys of the audit chain (AUDIT_KEY), the signing one first. */
  auditKeys: AuditKey[];
  /** Which secrets were generated here rather than configured (logged at start-up). */
  generated: string[];
}

async function loadOrCreate<T>(kv: Deno.Kv, name: string, create: () => Promise<T>): Promise<T> {
  const existing = await withKvRetry(() => kv.get<T>(secretKey(name)));
  if (existing.value !== null) return existing.value;
  const value = await create();
  const res = await commit(() =>
    kv.atomic().check({ key: secretKey(name), versionstamp: null }).set(secretKey(name), value)
  );
  if (res.ok) return value;
  return (await withKvRetry(() => kv.get<T>(secretKey(name)))).value!;
}

export async function generateSigningJwk(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: "EdDSA", use: "sig" };
}

export function parsePrivateJwks(text: string): JWK[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error("JWT_PRIVATE_JWKS is not valid JSON");
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown })?.keys;
  if (!Array.isArray(list) || list.length === 0) {
    throw new Error("JWT_PRIVATE_JWKS must be a JSON array (or {keys:[...]}) of private JWKs");
  }
  for (const k of list as JWK[]) {
    if (!k.kid || !k.d) {
      throw new Error("Every key in JWT_PRIVATE_JWKS needs a kid and a private d");
    }
  }
  return list as JWK[];
}

/**
 * The audit keys for a read-only check (audit:verify): from AUDIT_KEY, else the generated ones in
 * KV; an empty list when neither exists (then there is no chain to check either).
 */
export async function readAuditKeys(config: Config, kv: Deno.Kv): Promise<AuditKey[]> {
  if (config.AUDIT_KEY) return parseAuditKeys(config.AUDIT_KEY);
  return (await withKvRetry(() => kv.get<AuditKey[]>(secretKey("audit_keys")))).value ?? [];
}

/** A one-key list of 32 random bytes (`kid:key` lists: data keys, audit keys). */
const devKeyList = () => Promise.resolve([{ id: "dev1", keyBase64: generateDataKeyBase64() }]);

export async function resolveSecrets(config: Config, kv: Deno.Kv): Promise<AppSecrets> {
  const generated: string[] = [];
  const jwtPrivateJwks = config.JWT_PRIVATE_JWKS
    ? parsePrivateJwks(config.JWT_PRIVATE_JWKS)
    : (generated.push("jwt"),
      await loadOrCreate(kv, "jwt_keys", async () => [await generateSigningJwk("dev-1")]));
  const dataKeys = config.DATA_ENCRYPTION_KEYS
    ? parseDataKeys(config.DATA_ENCRYPTION_KEYS)
    : (generated.push("data"), await loadOrCreate(kv, "data_keys", devKeyList));
  const hmacSecret = config.HMAC_SECRET ??
    (generated.push("hmac"),
      await loadOrCreate(
        kv,
        "hmac",
        () => Promise.resolve(bytesToBase64Url(crypto.getRandomValues(new Uint8Array(32)))),
      ));
  const auditKeys = config.AUDIT_KEY
    ? parseAuditKeys(config.AUDIT_KEY)
    : (generated.push("audit"), await loadOrCreate(kv, "audit_keys", devKeyList));
  return { jwtPrivateJwks, dataKeys, hmacSecret, auditKeys, generated };
}
