/**
 * Resolves the app's secrets: from configuration in production; in development and tests,
 * generated once and kept in KV under ["secret", name] (race-safe across processes), so tokens and
 * sealed data survive a restart. Production refuses generated secrets (see config.ts).
 */
import type { JWK } from "jose";
import type { Config } from "../config/config.ts";
import { bytesToBase64Url } from "./encoding.ts";
import { type DataKey, generateDataKeyBase64, parseDataKeys } from "./data_cipher.ts";
import { commit, getManyChunked, untilCommitted, withKvRetry } from "../stores/kv/kv_commit.ts";
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

/** A secret generated in development and tests, kept in KV under ["secret", name]. */
interface GeneratedSecret {
  name: string;
  create: () => Promise<unknown>;
}

/**
 * The values of `wanted`, in order: read from KV, and those missing created and written in one
 * commit (one write to the data file at a fresh start, not one per secret). Each is checked absent
 * when written, so processes starting at once on the same KV agree on every value: a loser reads
 * again and takes what the winner wrote.
 */
function loadOrCreate(kv: Deno.Kv, wanted: GeneratedSecret[]): Promise<unknown[]> {
  const keys = wanted.map(({ name }) => secretKey(name));
  return untilCommitted("generating the development secrets", async () => {
    const found = await getManyChunked(kv, keys);
    const missing = keys.flatMap((_, i) => found[i].value === null ? [i] : []);
    if (missing.length === 0) return found.map((entry) => entry.value);
    const created = new Map(
      await Promise.all(missing.map(async (i) => [i, await wanted[i].create()] as const)),
    );
    const res = await commit(() => {
      const op = kv.atomic();
      for (const [i, value] of created) {
        op.check({ key: keys[i], versionstamp: null }).set(keys[i], value);
      }
      return op;
    });
    if (!res.ok) return undefined;
    return found.map((entry, i) => created.has(i) ? created.get(i) : entry.value);
  });
}

/**
 * A new Ed25519 signing key as a private JWK (`kty`, `crv`, `x`, `d`, then `kid`, `alg`, `use`),
 * made with WebCrypto: jose is not loaded at start-up (src/crypto/jose.ts).
 */
export async function generateSigningJwk(kid: string): Promise<JWK> {
  const { privateKey } = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const { kty, crv, x, d } = await crypto.subtle.exportKey("jwk", privateKey);
  return { kty, crv, x, d, kid, alg: "EdDSA", use: "sig" };
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
  // Configured secrets are parsed first (a bad one stops start-up before anything is written);
  // the others are generated, or read back, by one loadOrCreate call.
  const wanted: GeneratedSecret[] = [];
  const generated: string[] = [];
  const secret = <T>(
    configured: T | undefined,
    label: string,
    name: string,
    create: () => Promise<T>,
  ) => {
    if (configured !== undefined) return () => configured;
    generated.push(label);
    const at = wanted.push({ name, create }) - 1;
    return (values: unknown[]) => values[at] as T;
  };
  const jwt = secret(
    config.JWT_PRIVATE_JWKS ? parsePrivateJwks(config.JWT_PRIVATE_JWKS) : undefined,
    "jwt",
    "jwt_keys",
    async () => [await generateSigningJwk("dev-1")],
  );
  const data = secret(
    config.DATA_ENCRYPTION_KEYS ? parseDataKeys(config.DATA_ENCRYPTION_KEYS) : undefined,
    "data",
    "data_keys",
    devKeyList,
  );
  const hmac = secret(
    config.HMAC_SECRET,
    "hmac",
    "hmac",
    () => Promise.resolve(bytesToBase64Url(crypto.getRandomValues(new Uint8Array(32)))),
  );
  const audit = secret(
    config.AUDIT_KEY ? parseAuditKeys(config.AUDIT_KEY) : undefined,
    "audit",
    "audit_keys",
    devKeyList,
  );
  const values = wanted.length > 0 ? await loadOrCreate(kv, wanted) : [];
  return {
    jwtPrivateJwks: jwt(values),
    dataKeys: data(values),
    hmacSecret: hmac(values),
    auditKeys: audit(values),
    generated,
  };
}
