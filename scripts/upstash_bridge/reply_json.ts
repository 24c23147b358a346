/**
 * Turns RESP replies into the JSON values of Upstash's REST answers. Pure; owns no I/O.
 *
 * Integers stay numbers, nil becomes null, arrays nest. Without base64 encoding bulk strings are
 * decoded as UTF-8 (invalid bytes become U+FFFD, as JSON cannot carry them). With
 * `Upstash-Encoding: base64` every string is base64 of its raw bytes, recursively, except `OK`,
 * which Upstash documents as left as is (clients read a plain `OK` as `OK` either way, so a bulk
 * string holding `OK` decodes the same).
 */
import { isReplyError, type RedisReply } from "./redis_connection.ts";

export type JsonReply = string | number | null | JsonReply[];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function replyToJson(reply: RedisReply, base64: boolean): JsonReply {
  if (reply === null || typeof reply === "number") return reply;
  if (Array.isArray(reply)) return reply.map((item) => replyToJson(item, base64));
  if (isReplyError(reply)) {
    // Only nested errors get here (e.g. inside a script's table); top-level ones become {error}.
    return base64 ? bytesToBase64(encoder.encode(reply.message)) : reply.message;
  }
  if (!base64 || isOk(reply)) return decoder.decode(reply);
  return bytesToBase64(reply);
}

function isOk(bytes: Uint8Array): boolean {
  return bytes.length === 2 && bytes[0] === 0x4f && bytes[1] === 0x4b;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) {
    binary += String.fromCharCode(...bytes.subarray(i, i + step));
  }
  return btoa(binary);
}
