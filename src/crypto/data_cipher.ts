/**
 * Seals personal and medical text at rest with AES-256-GCM (WebCrypto). A sealed value is
 * `v1.<kid>.<iv>.<ciphertext>` (base64url), so keys can rotate: the first key seals, every listed
 * key opens. This module never logs values and never returns plaintext for a tampered value.
 */
import { base64ToBytes, bytesToBase64Url } from "./encoding.ts";

export interface DataCipher {
  readonly activeKeyId: string;
  seal(plaintext: string): Promise<string>;
  open(sealed: string): Promise<string>;
  keyIdOf(sealed: string): string;
}

export interface DataKey {
  id: string;
  keyBase64: string;
}

/** Parses `kid:base64,kid2:base64` as given in DATA_ENCRYPTION_KEYS. */
export function parseDataKeys(text: string): DataKey[] {
  return text.split(",").map((part) => part.trim()).filter(Boolean).map((part) => {
    const [id, keyBase64] = part.split(":");
    if (!id || !keyBase64 || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
      throw new Error(`Cannot parse data key "${id ?? ""}": expected kid:base64key`);
    }
    return { id, keyBase64 };
  });
}

export async function createDataCipher(keys: DataKey[]): Promise<DataCipher> {
  if (keys.length === 0) throw new Error("At least one data encryption key is required");
  const imported = new Map<string, CryptoKey>();
  for (const k of keys) {
    const raw = base64ToBytes(k.keyBase64);
    if (raw.length !== 32) {
      throw new Error(`Data key ${k.id} must be 32 bytes (AES-256), found ${raw.length}`);
    }
    imported.set(
      k.id,
      await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]),
    );
  }
  const activeKeyId = keys[0].id;
  const active = imported.get(activeKeyId)!;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  return {
    activeKeyId,
    async seal(plaintext) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const additionalData = encoder.encode(activeKeyId);
      const ct = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData },
        active,
        encoder.encode(plaintext),
      );
      return `v1.${activeKeyId}.${bytesToBase64Url(iv)}.${bytesToBase64Url(new Uint8Array(ct))}`;
    },
    async open(sealed) {
      const [version, kid, iv, ct] = sealed.split(".");
      if (version !== "v1" || !kid || !iv || !ct) {
        throw new Error("Cannot open: not a sealed value");
      }
      const key = imported.get(kid);
      if (!key) throw new Error(`Cannot open: data key ${kid} is not configured`);
      const pt = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: base64ToBytes(iv), additionalData: encoder.encode(kid) },
        key,
        base64ToBytes(ct),
      );
      return decoder.decode(pt);
    },
    keyIdOf(sealed) {
      return sealed.split(".")[1] ?? "";
    },
  };
}

export function generateDataKeyBase64(): string {
  return bytesToBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}
