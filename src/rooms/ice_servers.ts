/**
 * The ICE servers handed to both peers with their room token (issue 20): STUN/TURN URLs from
 * config, TURN ones with short-lived credentials in the TURN REST API form that coturn checks with
 * `use-auth-secret`: `username = "<expiry unix seconds>:<user id>"` and
 * `credential = base64(HMAC-SHA1(TURN_SECRET, username))`. Without any URL the list is empty and
 * peers use host candidates only (fine on one network, not across carrier NATs).
 */
import { bytesToBase64 } from "../crypto/encoding.ts";

/** An `RTCIceServer` as the browser takes it. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface TurnSettings {
  /** `turn:`, `turns:` and `stun:` URLs. */
  urls: string[];
  /** Shared with coturn's `static-auth-secret`; required with any `turn:`/`turns:` URL. */
  secret?: string;
  ttlSeconds: number;
}

export type IceServers = (userId: string, nowMs: number) => Promise<IceServer[]>;

export const isTurnUrl = (url: string) => /^turns?:/i.test(url);

export async function createIceServers(settings: TurnSettings): Promise<IceServers> {
  const stun = settings.urls.filter((u) => !isTurnUrl(u));
  const turn = settings.urls.filter(isTurnUrl);
  if (turn.length > 0 && !settings.secret) {
    throw new Error(`TURN URLs ${turn.join(", ")} need a TURN secret, found none`);
  }
  const key = turn.length > 0
    ? await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(settings.secret),
      { name: "HMAC", hash: "SHA-1" },
      false,
      ["sign"],
    )
    : null;
  return async function iceServers(userId, nowMs) {
    const servers: IceServer[] = stun.length > 0 ? [{ urls: stun }] : [];
    if (key) {
      const expiry = Math.floor(nowMs / 1000) + settings.ttlSeconds;
      const username = `${expiry}:${userId}`;
      const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(username));
      servers.push({ urls: turn, username, credential: bytesToBase64(new Uint8Array(mac)) });
    }
    return servers;
  };
}
