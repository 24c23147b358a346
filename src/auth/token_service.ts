/**
 * Access tokens: short-lived JWTs signed with an asymmetric key (EdDSA or ES256) that carries a
 * `kid`. Every configured key verifies and is published at /.well-known/jwks.json; the first one
 * signs, so a new key can be rolled in while tokens signed by the old one still verify. A token
 * whose signature verified is remembered (bounded, by its exact text) until it expires: a client
 * sends one token for its whole life, and the signature check was the costliest step of an
 * authenticated request under load (docs/BENCHMARKS.md). A token this process signs is remembered
 * with the claims it was signed with, so its first use here skips the signature check too: that
 * check could only confirm what signing just produced (0.2 ms per login). Other instances verify
 * it as any token. The session check still runs every time.
 */
import type { JSONWebKeySet, JWK, JWTPayload } from "jose";
import { type Jose, loadJose } from "../crypto/jose.ts";
import { createJwsSigner, type JwsAlgorithm } from "../crypto/jws_signer.ts";
import { UnauthenticatedError } from "../errors.ts";

export type Role = "patient" | "doctor" | "admin";

export interface AuthUser {
  id: string;
  role: Role;
}

/** The user of a verified access token and the session (refresh-token family) it belongs to. */
export interface TokenUser extends AuthUser {
  sessionId: string;
}

export interface TokenServiceOptions {
  privateJwks: JWK[];
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
  /**
   * Whether a session still stands (not logged out, revoked, reused or erased). Checked on every
   * verification so that ending a session ends its access tokens at once, not when they expire.
   */
  isSessionLive: (sessionId: string) => Promise<boolean>;
  now?: () => number;
}

export interface TokenService {
  readonly accessTtlSeconds: number;
  signAccess(user: AuthUser, sessionId: string): Promise<string>;
  verifyAccess(token: string): Promise<TokenUser>;
  publicJwks(): JSONWebKeySet;
}

const ALGORITHMS: JwsAlgorithm[] = ["EdDSA", "ES256"];
/** Clock difference between instances tolerated on `iat`. */
const CLOCK_SKEW_SECONDS = 30;
/** Verified tokens remembered per process (a few MB at most); the oldest is forgotten first. */
const VERIFIED_MAX = 4096;

/** WebCrypto's name for each signing algorithm (what jose's importJWK would ask it for). */
const WEB_CRYPTO_ALGORITHMS: Record<JwsAlgorithm, EcKeyImportParams | Algorithm> = {
  EdDSA: { name: "Ed25519" },
  ES256: { name: "ECDSA", namedCurve: "P-256" },
};

function algOf(jwk: JWK): string {
  if (jwk.alg) return jwk.alg;
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return "EdDSA";
  if (jwk.kty === "EC" && jwk.crv === "P-256") return "ES256";
  throw new Error(`Signing key ${jwk.kid}: only Ed25519 (EdDSA) and P-256 (ES256) are supported`);
}

export async function createTokenService(options: TokenServiceOptions): Promise<TokenService> {
  if (options.privateJwks.length === 0) throw new Error("At least one signing key is required");
  const signing = options.privateJwks[0];
  const signingAlg = algOf(signing) as JwsAlgorithm;
  if (!ALGORITHMS.includes(signingAlg)) throw new Error(`Unsupported signing alg ${signingAlg}`);
  // Imported once to refuse a malformed key at start-up; tokens are signed by `sign`. WebCrypto
  // directly, as jose's importJWK does it: jose loads after the first answer (crypto/jose.ts).
  const { alg: _alg, use: _use, ...keyData } = signing;
  await crypto.subtle.importKey("jwk", keyData, WEB_CRYPTO_ALGORITHMS[signingAlg], false, ["sign"]);
  const sign = createJwsSigner(signing, signingAlg, {
    alg: signingAlg,
    kid: signing.kid,
    typ: "JWT",
  });
  const publicKeys: JWK[] = options.privateJwks.map((k) => {
    // `key_ops` and `ext` describe the private key (WebCrypto exports ["sign"]): published, they
    // made every verifier, ours too, refuse to import the key for verifying, so every token
    // another instance signed was 401.
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, key_ops: _ops, ext: _ext, ...pub } = k;
    return { ...pub, alg: algOf(k), use: "sig" };
  });
  const jwks: JSONWebKeySet = { keys: publicKeys as JSONWebKeySet["keys"] };
  // Made on the first verification, when jose has loaded.
  let keySet: ReturnType<Jose["createLocalJWKSet"]> | undefined;
  const now = options.now ?? (() => Date.now());
  const ttl = options.accessTtlSeconds;

  const verified = new Map<string, JWTPayload>();

  async function claimsOf(token: string): Promise<JWTPayload> {
    const known = verified.get(token);
    if (known) {
      // What jwtVerify checks with time: `exp` (required) must still lie ahead.
      if (known.exp! > now() / 1000) return known;
      verified.delete(token);
      throw new UnauthenticatedError("The access token is invalid or expired");
    }
    const jose = await loadJose();
    keySet ??= jose.createLocalJWKSet(jwks);
    let payload: JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(token, keySet, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ALGORITHMS,
        requiredClaims: ["sub", "exp", "iat", "sid"],
        currentDate: new Date(now()),
      }));
    } catch {
      throw new UnauthenticatedError("The access token is invalid or expired");
    }
    remember(token, payload);
    return payload;
  }

  function remember(token: string, payload: JWTPayload) {
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
    verified.set(token, payload);
  }

  return {
    accessTtlSeconds: options.accessTtlSeconds,
    async signAccess(user, sessionId) {
      const iat = Math.floor(now() / 1000);
      const payload: JWTPayload = {
        role: user.role,
        sid: sessionId,
        sub: user.id,
        iss: options.issuer,
        aud: options.audience,
        iat,
        jti: crypto.randomUUID(),
        exp: iat + ttl,
      };
      const token = await sign(payload);
      // A copy: the claims `verifyAccess` reads here are exactly those signed into the token.
      remember(token, { ...payload });
      return token;
    },
    async verifyAccess(token) {
      const payload = await claimsOf(token);
      const iat = payload.iat!;
      // Our key signs only tokens issued now and living ACCESS_TOKEN_TTL_SECONDS: anything else
      // was minted with a stolen key or by a bug, so it is refused rather than trusted for years.
      if (iat > now() / 1000 + CLOCK_SKEW_SECONDS || payload.exp! - iat > ttl) {
        throw new UnauthenticatedError("The access token is invalid or expired");
      }
      const role = payload.role;
      if (role !== "patient" && role !== "doctor" && role !== "admin") {
        throw new UnauthenticatedError("The token has no valid role");
      }
      if (typeof payload.sid !== "string" || !(await options.isSessionLive(payload.sid))) {
        throw new UnauthenticatedError("This session has ended; log in again");
      }
      return { id: payload.sub!, role, sessionId: payload.sid };
    },
    publicJwks: () => jwks,
  };
}
