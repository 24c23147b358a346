import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import { generateSigningJwk } from "../../src/crypto/secrets.ts";
import { UnauthenticatedError } from "../../src/errors.ts";
import { createTokenService } from "../../src/auth/token_service.ts";

async function service(now: () => number, live: Set<string>) {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  return await createTokenService({
    privateJwks: [{ ...await exportJWK(privateKey), kid: "k1" }],
    issuer: "vaidya",
    audience: "vaidya-api",
    accessTtlSeconds: 900,
    isSessionLive: (sid) => Promise.resolve(live.has(sid)),
    now,
  });
}

Deno.test("verifyAccess() on a remembered token still refuses it once expired or its session ended", async () => {
  let clock = Date.UTC(2026, 11, 1, 4, 0);
  const live = new Set(["s1"]);
  const tokens = await service(() => clock, live);
  const token = await tokens.signAccess({ id: "pat_1", role: "patient" }, "s1");
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(await tokens.verifyAccess(token), {
      id: "pat_1",
      role: "patient",
      sessionId: "s1",
    });
  }
  // A token differing in one signature character is not the remembered one.
  const forged = token.slice(0, -2) + (token.at(-2) === "A" ? "B" : "A") + token.at(-1);
  await assert.rejects(tokens.verifyAccess(forged), UnauthenticatedError);
  live.delete("s1");
  await assert.rejects(tokens.verifyAccess(token), /session has ended/);
  live.add("s1");
  clock += 900_000;
  await assert.rejects(tokens.verifyAccess(token), /invalid or expired/);
  await assert.rejects(tokens.verifyAccess(token), /invalid or expired/);
});

Deno.test("signAccess() remembers its token with the claims another instance verifies from its signature", async () => {
  let clock = Date.UTC(2026, 11, 1, 4, 0);
  const live = new Set(["s1", "s2"]);
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const options = {
    privateJwks: [{ ...await exportJWK(privateKey), kid: "k1" }],
    issuer: "vaidya",
    audience: "vaidya-api",
    accessTtlSeconds: 900,
    isSessionLive: (sid: string) => Promise.resolve(live.has(sid)),
    now: () => clock,
  };
  const signer = await createTokenService(options);
  const other = await createTokenService(options);
  const doctor = await signer.signAccess({ id: "doc_1", role: "doctor" }, "s1");
  const expected = { id: "doc_1", role: "doctor", sessionId: "s1" };
  assert.deepEqual(await signer.verifyAccess(doctor), expected);
  assert.deepEqual(await other.verifyAccess(doctor), expected);
  const [header, payload] = doctor.split(".");
  assert.deepEqual(JSON.parse(atob(header.replace(/-/g, "+").replace(/_/g, "/"))), {
    alg: "EdDSA",
    kid: "k1",
    typ: "JWT",
  });
  const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
  assert.deepEqual(Object.keys(claims), ["role", "sid", "sub", "iss", "aud", "iat", "jti", "exp"]);
  assert.equal(claims.exp - claims.iat, 900);
  // The first use of a token signed here still ends with its session and its lifetime.
  const patient = await signer.signAccess({ id: "pat_2", role: "patient" }, "s2");
  live.delete("s2");
  await assert.rejects(signer.verifyAccess(patient), /session has ended/);
  live.add("s2");
  const late = await signer.signAccess({ id: "pat_2", role: "patient" }, "s2");
  clock += 900_000;
  await assert.rejects(signer.verifyAccess(late), /invalid or expired/);
  // A token differing in its signature is not the one signed here.
  clock -= 900_000;
  const again = await signer.signAccess({ id: "pat_2", role: "patient" }, "s2");
  const forged = again.slice(0, -2) + (again.at(-2) === "A" ? "B" : "A") + again.at(-1);
  await assert.rejects(signer.verifyAccess(forged), UnauthenticatedError);
});

const keyOptions = {
  issuer: "vaidya",
  audience: "vaidya-api",
  accessTtlSeconds: 900,
  isSessionLive: () => Promise.resolve(true),
};

Deno.test("a generated signing key has the fields jose exported, and signs tokens other instances verify", async () => {
  const jwk = await generateSigningJwk("dev-1");
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const fromJose = { ...await exportJWK(privateKey), kid: "dev-1", alg: "EdDSA", use: "sig" };
  assert.deepEqual(Object.keys(jwk).sort(), Object.keys(fromJose).sort());
  assert.deepEqual([jwk.kty, jwk.crv, jwk.alg, jwk.use], ["OKP", "Ed25519", "EdDSA", "sig"]);
  await importJWK(jwk, "EdDSA");
  const signer = await createTokenService({ ...keyOptions, privateJwks: [jwk] });
  const other = await createTokenService({ ...keyOptions, privateJwks: [jwk] });
  const token = await signer.signAccess({ id: "pat_1", role: "patient" }, "s1");
  assert.deepEqual(await other.verifyAccess(token), {
    id: "pat_1",
    role: "patient",
    sessionId: "s1",
  });
});

Deno.test("a signing key exported by WebCrypto (key_ops, ext) signs tokens other instances verify", async () => {
  // What `crypto.subtle.exportKey("jwk", privateKey)` gives: key_ops ["sign"] and ext beside the key.
  for (const params of [{ name: "Ed25519" }, { name: "ECDSA", namedCurve: "P-256" }]) {
    const pair = await crypto.subtle.generateKey(params, true, ["sign", "verify"]) as CryptoKeyPair;
    const jwk = { ...await crypto.subtle.exportKey("jwk", pair.privateKey), kid: "wc1" } as JWK;
    assert.deepEqual(jwk.key_ops, ["sign"]);
    const signer = await createTokenService({ ...keyOptions, privateJwks: [jwk] });
    const other = await createTokenService({ ...keyOptions, privateJwks: [jwk] });
    const token = await signer.signAccess({ id: "pat_1", role: "patient" }, "s1");
    assert.equal((await other.verifyAccess(token)).id, "pat_1", `${params.name} token refused`);
    // The published key verifies: anyone checking our tokens with the JWKS can import it.
    const [published] = signer.publicJwks().keys;
    assert.equal(published.key_ops, undefined);
    await importJWK(published, published.alg);
  }
});

Deno.test("an ES256 signing key is checked at creation and its tokens verify", async () => {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...await exportJWK(privateKey), kid: "ec1" };
  const signer = await createTokenService({ ...keyOptions, privateJwks: [jwk] });
  const other = await createTokenService({ ...keyOptions, privateJwks: [jwk] });
  const token = await signer.signAccess({ id: "doc_1", role: "doctor" }, "s1");
  assert.equal((await other.verifyAccess(token)).id, "doc_1");
});

Deno.test("createTokenService() refuses every signing key jose's importJWK refuses", async () => {
  const ed = await generateSigningJwk("k1");
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const ec = { ...await exportJWK(privateKey), kid: "ec1" };
  const bad: [string, JWK][] = [
    ["an Ed25519 key with a short d", { ...ed, d: ed.d!.slice(0, 20) }],
    ["an OKP key named ES256", { ...ed, alg: "ES256" }],
    ["a P-256 key without y", { ...ec, y: undefined }],
    ["a P-256 key whose d is too long", { ...ec, d: ec.d! + ec.d! }],
    ["a key whose key_ops exclude signing", { ...ed, key_ops: ["verify"] }],
    ["an Ed448 key named EdDSA", { ...ed, crv: "Ed448" }],
  ];
  for (const [what, jwk] of bad) {
    const alg = jwk.alg ?? (jwk.kty === "OKP" ? "EdDSA" : "ES256");
    await assert.rejects(importJWK(jwk, alg), `jose accepts ${what}`);
    await assert.rejects(
      createTokenService({ ...keyOptions, privateJwks: [jwk] }),
      `createTokenService accepts ${what}`,
    );
  }
});
