import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from "jose";
import { createJwsSigner } from "../../src/crypto/jws_signer.ts";

const header = { alg: "EdDSA", kid: "k1", typ: "JWT" };
const payload = {
  role: "patient",
  sid: "s1",
  sub: "pat_ü",
  iss: "vaidya",
  aud: "vaidya-api",
  iat: 1_796_000_000,
  jti: "9f1c",
  exp: 1_796_000_900,
};

Deno.test("createJwsSigner() signs an Ed25519 token byte for byte as jose's SignJWT does", async () => {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const jwk = { ...await exportJWK(privateKey), kid: "k1", alg: "EdDSA", use: "sig" };
  const sign = createJwsSigner(jwk, "EdDSA", header);
  for (const claims of [payload, { ...payload, sub: "doc_2", role: "doctor" }]) {
    const expected = await new SignJWT(claims).setProtectedHeader(header)
      .sign(await importJWK(jwk, "EdDSA"));
    assert.equal(await sign(claims), expected);
  }
});

Deno.test("createJwsSigner() signs ES256 tokens that jose verifies, and only with the signing key", async () => {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const other = await generateKeyPair("ES256", { extractable: true });
  const es256 = { ...header, alg: "ES256", kid: "k2" };
  const sign = createJwsSigner({ ...await exportJWK(privateKey), kid: "k2" }, "ES256", es256);
  const token = await sign(payload);
  // Raw r‖s (64 bytes, 86 base64url characters), not DER, as JWS requires.
  assert.equal(token.split(".")[2].length, 86);
  const { payload: verified, protectedHeader } = await jwtVerify(token, publicKey, {
    currentDate: new Date(payload.iat * 1000),
  });
  assert.deepEqual(verified, payload);
  assert.deepEqual(protectedHeader, es256);
  await assert.rejects(
    jwtVerify(token, other.publicKey, { currentDate: new Date(payload.iat * 1000) }),
    /signature verification failed/,
  );
});

Deno.test("createJwsSigner() rejects (never throws) when the key cannot sign", async () => {
  const { publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const sign = createJwsSigner(await exportJWK(publicKey), "EdDSA", header);
  let pending: Promise<string> | undefined;
  assert.doesNotThrow(() => pending = sign(payload));
  await assert.rejects(pending!);
});
