/**
 * Compact JWS signing (the access tokens of every login and refresh) with node:crypto's `sign` on
 * a key object made once, instead of jose's `SignJWT` over WebCrypto: the same header and payload
 * JSON, base64url-encoded and joined as jose does, so an Ed25519 token is byte for byte the one jose
 * would sign (Ed25519 is deterministic) and ES256 signatures are the raw r‖s pair JWS expects.
 * WebCrypto's sign was the largest single frame of a login in the profile (docs/BENCHMARKS.md,
 * issue 15). Verifying stays with jose.
 */
import type { JWK } from "jose";
import { bytesToBase64Url } from "./encoding.ts";
import { type NodeCrypto, withNodeCrypto } from "./node_crypto.ts";

export type JwsAlgorithm = "EdDSA" | "ES256";

/** Signs `payload` (JSON) under the signer's protected header as a compact JWS. */
export type JwsSigner = (payload: object) => Promise<string>;

const encoder = new TextEncoder();

function segment(value: object): string {
  return bytesToBase64Url(encoder.encode(JSON.stringify(value)));
}

/** A signer with `jwk` under `header` (encoded once: it is the same for every token). */
export function createJwsSigner(jwk: JWK, alg: JwsAlgorithm, header: object): JwsSigner {
  const protectedHeader = segment(header);
  let key: ReturnType<NodeCrypto["createPrivateKey"]> | undefined;
  // Ed25519 hashes inside the algorithm (no digest name); ECDSA signs SHA-256 and JWS wants the
  // fixed-length r‖s form, not DER.
  const digest = alg === "ES256" ? "sha256" : null;
  function signNow(crypto: NodeCrypto, input: string): string {
    key ??= crypto.createPrivateKey({ key: { ...jwk }, format: "jwk" });
    const signature = crypto.sign(digest, encoder.encode(input), {
      key,
      dsaEncoding: "ieee-p1363",
    });
    return `${input}.${bytesToBase64Url(signature)}`;
  }
  return (payload) => {
    const input = `${protectedHeader}.${segment(payload)}`;
    return withNodeCrypto((crypto) => signNow(crypto, input));
  };
}
