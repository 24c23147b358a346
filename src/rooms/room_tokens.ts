/**
 * Room tokens: short-lived JWTs (HS256, audience `vaidya-room`) that admit one user, in one role,
 * to the video room of one appointment. The key is derived from the app's HMAC secret, so every
 * instance that shares the secret verifies them; it is never the access-token key. Time comes from
 * the caller (`nowMs`), so verification agrees with the app clock in tests.
 */
import { loadJose } from "../crypto/jose.ts";
import { base64ToBytes } from "../crypto/encoding.ts";
import { UnauthenticatedError } from "../errors.ts";

export const ROOM_AUDIENCE = "vaidya-room";
/** A room token lives at most this long (and never past the room's closing time). */
export const ROOM_TOKEN_MAX_TTL_MS = 120_000;

export type RoomRole = "patient" | "doctor";

export interface RoomClaims {
  userId: string;
  role: RoomRole;
  appointmentId: string;
  expiresAtMs: number;
}

/** The claims of a verified token, with its id (`jti`), which one connection spends. */
export interface VerifiedRoomClaims extends RoomClaims {
  tokenId: string;
}

export interface RoomTokens {
  sign(claims: RoomClaims, nowMs: number): Promise<string>;
  /** The claims of a valid token; `UnauthenticatedError` for anything else. */
  verify(token: string, nowMs: number): Promise<VerifiedRoomClaims>;
}

async function deriveKey(secretBase64: string): Promise<Uint8Array> {
  const raw = base64ToBytes(secretBase64);
  if (raw.length < 32) {
    throw new Error(`HMAC secret must be at least 32 bytes, found ${raw.length}`);
  }
  const hmac = await crypto.subtle.importKey(
    "raw",
    raw,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const label = new TextEncoder().encode("vaidya room token key v1");
  return new Uint8Array(await crypto.subtle.sign("HMAC", hmac, label));
}

export async function createRoomTokens(secretBase64: string, issuer: string): Promise<RoomTokens> {
  const key = await deriveKey(secretBase64);
  return {
    async sign(claims, nowMs) {
      const { SignJWT } = await loadJose();
      return await new SignJWT({ apt: claims.appointmentId, role: claims.role })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setSubject(claims.userId)
        .setIssuer(issuer)
        .setAudience(ROOM_AUDIENCE)
        .setIssuedAt(Math.floor(nowMs / 1000))
        .setJti(crypto.randomUUID())
        .setExpirationTime(Math.floor(claims.expiresAtMs / 1000))
        .sign(key);
    },
    async verify(token, nowMs) {
      const { jwtVerify } = await loadJose();
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer,
          audience: ROOM_AUDIENCE,
          algorithms: ["HS256"],
          requiredClaims: ["sub", "exp", "jti", "apt", "role"],
          currentDate: new Date(nowMs),
        });
        const { apt, role } = payload;
        if (typeof apt !== "string" || (role !== "patient" && role !== "doctor")) {
          throw new Error("room token claims have the wrong shape");
        }
        return {
          userId: payload.sub!,
          role,
          appointmentId: apt,
          expiresAtMs: payload.exp! * 1000,
          tokenId: payload.jti!,
        };
      } catch {
        throw new UnauthenticatedError("The room token is invalid or expired; ask for a new one");
      }
    },
  };
}
