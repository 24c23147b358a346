/**
 * The per-request cryptography: code hashing (HMAC-SHA-256), access-token signing and
 * verification (EdDSA JWT), and sealing and opening a personal-data record (AES-GCM). Keys are
 * generated once per run; nothing touches a store.
 */
import { createTokenService } from "../src/auth/token_service.ts";
import { createDataCipher, generateDataKeyBase64 } from "../src/crypto/data_cipher.ts";
import { createKeyedHash } from "../src/crypto/keyed_hash.ts";
import { generateSigningJwk } from "../src/crypto/secrets.ts";

const hmacSecret = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
const hash = await createKeyedHash(hmacSecret);
const tokens = await createTokenService({
  privateJwks: [await generateSigningJwk("bench-1")],
  issuer: "https://vaidya.local",
  audience: "vaidya-api",
  accessTtlSeconds: 900,
  // The session check is one store read, measured with the stores, not here.
  isSessionLive: () => Promise.resolve(true),
});
const cipher = await createDataCipher([{ id: "k1", keyBase64: generateDataKeyBase64() }]);
const user = { id: "pat_01JBENCH0000000000000000", role: "patient" as const };
const token = await tokens.signAccess(user, "ses_01JBENCH0000000000000000");
const record = JSON.stringify({
  phone: "+919812345678",
  reason: "Chronic back pain (कमर दर्द) for three weeks, worse in the morning",
});
const sealed = await cipher.seal(record);

Deno.bench("keyedHash.hash() a 6-digit code (HMAC-SHA-256)", { group: "hash" }, async () => {
  await hash.hash("hold_code", "hld_01JBENCH:123456");
});

Deno.bench("tokens.signAccess() (EdDSA JWT)", { group: "token" }, async () => {
  await tokens.signAccess(user, "ses_01JBENCH0000000000000000");
});

Deno.bench("tokens.verifyAccess() (EdDSA JWT)", { group: "token" }, async () => {
  await tokens.verifyAccess(token);
});

Deno.bench("cipher.seal() a patient record (AES-GCM)", { group: "cipher" }, async () => {
  await cipher.seal(record);
});

Deno.bench("cipher.open() a patient record (AES-GCM)", { group: "cipher" }, async () => {
  await cipher.open(sealed);
});
