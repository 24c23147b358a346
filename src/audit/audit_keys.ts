/**
 * The keys of the audit chain: `AUDIT_KEY` = `kid:base64[,kid:base64...]` (32 bytes or more each;
 * generated into KV in development like the other dev secrets, required in production). The first
 * key signs new entries; every listed key verifies, so a new key goes first and old ones stay
 * until nothing signed with them needs checking.
 */
import { base64ToBytes } from "../crypto/encoding.ts";
import { type KeyedMac, keyedMac } from "../crypto/keyed_hash.ts";

export interface AuditKey {
  id: string;
  keyBase64: string;
}

export interface AuditKeyring {
  readonly activeKeyId: string;
  /** HMAC-SHA256 of `text` under key `keyId`, hex; throws if the key is not configured. */
  mac(keyId: string, text: string): Promise<string>;
  has(keyId: string): boolean;
}

export const AUDIT_KEY_FORMAT =
  /^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/_=-]{43,}(,[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/_=-]{43,})*$/;

export function parseAuditKeys(text: string): AuditKey[] {
  return text.split(",").map((part) => {
    const [id, keyBase64] = part.trim().split(":");
    if (!id || !keyBase64) {
      throw new Error(`Cannot parse audit key "${id ?? ""}": expected kid:base64`);
    }
    return { id, keyBase64 };
  });
}

export function createAuditKeyring(keys: AuditKey[]): Promise<AuditKeyring> {
  return new Promise((resolve) => resolve(auditKeyring(keys)));
}

function auditKeyring(keys: AuditKey[]): AuditKeyring {
  if (keys.length === 0) throw new Error("At least one audit key is required");
  const imported = new Map<string, KeyedMac>();
  for (const k of keys) {
    const raw = base64ToBytes(k.keyBase64);
    if (raw.length < 32) {
      throw new Error(`Audit key ${k.id} must be at least 32 bytes, found ${raw.length}`);
    }
    imported.set(k.id, keyedMac(raw));
  }
  return {
    activeKeyId: keys[0].id,
    has: (keyId) => imported.has(keyId),
    mac(keyId, text) {
      const mac = imported.get(keyId);
      if (!mac) {
        return Promise.reject(
          new Error(`Cannot sign or check an audit entry: audit key ${keyId} is not configured`),
        );
      }
      return mac(text, "hex");
    },
  };
}
