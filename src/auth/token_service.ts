/**
 * Access tokens: short-lived JWTs signed with an asymmetric key (EdDSA or ES256) that carries a
 * `kid`. Every configured key verifies and is published at /.well-known/jwks.json; the first one
 * signs, so a new key can be rolled in while tokens signed by the old one still verify.
 */
import {
  createLocalJWKSet,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  jwtVerify,
  SignJWT,
} from "jose";
import { UnauthenticatedError } from "../errors.ts";

export type Role = "patient" | "doctor" | "admin";

export interface AuthUser {
  id: string;
  role: Role;
}

export interface TokenServiceOptions {
  privateJwks: JWK[];
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
}

export interface TokenService {
  readonly accessTtlSeconds: number;
  signAccess(user: AuthUser): Promise<string>;
  verifyAccess(token: string): Promise<AuthUser>;
  publicJwks(): JSONWebKeySet;
}

const ALGORITHMS = ["EdDSA", "ES256"];

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

  return {
    accessTtlSeconds: options.accessTtlSeconds,
    signAccess(user) {
      return new SignJWT({ role: user.role })
        .setProtectedHeader({ alg: signingAlg, kid: signing.kid, typ: "JWT" })
        .setSubject(user.id)
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setIssuedAt()
        .setJti(crypto.randomUUID())
        .setExpirationTime(`${options.accessTtlSeconds}s`)
        .sign(signingKey);
    },
    async verifyAccess(token) {
      try {
        const { payload } = await jwtVerify(token, keySet, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: ALGORITHMS,
          requiredClaims: ["sub", "exp", "iat"],
        });
        const role = payload.role;
        if (role !== "patient" && role !== "doctor" && role !== "admin") {
          throw new UnauthenticatedError("The token has no valid role");
        }
        return { id: payload.sub!, role };
      } catch (err) {
        if (err instanceof UnauthenticatedError) throw err;
        throw new UnauthenticatedError("The access token is invalid or expired");
      }
    },
    publicJwks: () => jwks,
  };
}
