/**
 * Access tokens: short-lived JWTs signed with an asymmetric key (EdDSA or ES256) that carries a
 * `kid`. Every configured key verifies and is published at /.well-known/jwks.json; the first one
 * signs, so a new key can be rolled in while tokens signed by the old one still verify. A token
 * whose signature verified is remembered (bounded, by its exact text) until it expires: a client
 * sends one token for its whole life, and the signature check was the costliest step of an
 * authenticated request under load (docs/BENCHMARKS.md). The session check still runs every time.
 */
import {
  createLocalJWKSet,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from "jose";
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

const ALGORITHMS = ["EdDSA", "ES256"];
/** Clock difference between instances tolerated on `iat`. */
const CLOCK_SKEW_SECONDS = 30;
/** Verified tokens remembered per process (a few MB at most); the oldest is forgotten first. */
const VERIFIED_MAX = 4096;

function algOf(jwk: JWK): string {
  if (jwk.alg) return jwk.alg;
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return "EdDSA";
  if (jwk.kty === "EC" && jwk.crv === "P-256") return "ES256";
  throw new Error(`Signing key ${jwk.kid}: only Ed25519 (EdDSA) and P-256 (ES256) are supported`);
}

export async function createTokenService(options: TokenServiceOptions): Promise<TokenService> {
  if (options.privateJwks.length === 0) throw new Error("At least one signing key is required");
  const signing = options.privateJwks[0];
  const signingAlg = algOf(signing);
  if (!ALGORITHMS.includes(signingAlg)) throw new Error(`Unsupported signing alg ${signingAlg}`);
  const signingKey = await importJWK(signing, signingAlg);
  const publicKeys: JWK[] = options.privateJwks.map((k) => {
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = k;
    return { ...pub, alg: algOf(k), use: "sig" };
  });
  const jwks: JSONWebKeySet = { keys: publicKeys as JSONWebKeySet["keys"] };
  const keySet = createLocalJWKSet(jwks);
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
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySet, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ALGORITHMS,
        requiredClaims: ["sub", "exp", "iat", "sid"],
        currentDate: new Date(now()),
      }));
    } catch {
      throw new UnauthenticatedError("The access token is invalid or expired");
    }
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
    verified.set(token, payload);
    return payload;
  }

  return {
    accessTtlSeconds: options.accessTtlSeconds,
    signAccess(user, sessionId) {
      return new SignJWT({ role: user.role, sid: sessionId })
        .setProtectedHeader({ alg: signingAlg, kid: signing.kid, typ: "JWT" })
        .setSubject(user.id)
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setIssuedAt(Math.floor(now() / 1000))
        .setJti(crypto.randomUUID())
        .setExpirationTime(Math.floor(now() / 1000) + ttl)
        .sign(signingKey);
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
