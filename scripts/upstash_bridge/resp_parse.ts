/**
 * RESP2 reply parsing, pure and incremental: given a buffer and an offset it returns one complete
 * reply and where the next begins, or `undefined` when more bytes are needed. Owns no I/O.
 * Bulk strings are returned as `Uint8Array` copies so binary values survive untouched.
 */

/** A command argument: text is sent as UTF-8, bytes as they are. */
export type RespArg = string | Uint8Array;
export type RespReply = string | number | Uint8Array | null | RedisReplyError | RespReply[];

/** An error reply sent by Redis (`-ERR ...`); `message` is the full text, prefix included. */
export class RedisReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RedisReplyError";
  }
}

export interface ParsedReply {
  value: RespReply;
  next: number;
}

const decoder = new TextDecoder();
const CR = 13;

/** Parses one reply at `offset`; `undefined` means the buffer ends before the reply does. */
export function parseReply(buffer: Uint8Array, offset: number): ParsedReply | undefined {
  const lineEnd = findLineEnd(buffer, offset + 1);
  if (lineEnd < 0) return undefined;
  const type = buffer[offset];
  const line = decoder.decode(buffer.subarray(offset + 1, lineEnd));
  const afterLine = lineEnd + 2;
  switch (type) {
    case 0x2b: // '+'
      return { value: line, next: afterLine };
    case 0x2d: // '-'
      return { value: new RedisReplyError(line), next: afterLine };
    case 0x3a: // ':'
      return { value: parseInteger(line), next: afterLine };
    case 0x24: { // '$'
      const length = parseInteger(line);
      if (length < 0) return { value: null, next: afterLine };
      const end = afterLine + length;
      if (buffer.length < end + 2) return undefined;
      return { value: buffer.slice(afterLine, end), next: end + 2 };
    }
    case 0x2a: { // '*'
      const count = parseInteger(line);
      if (count < 0) return { value: null, next: afterLine };
      const items: RespReply[] = [];
      let next = afterLine;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, next);
        if (item === undefined) return undefined;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new TypeError(
        `Cannot parse RESP2 reply: expected one of + - : $ * at byte ${offset}, found ` +
          `${JSON.stringify(String.fromCharCode(type))}`,
      );
  }
}

function findLineEnd(buffer: Uint8Array, from: number): number {
  for (let i = from; i < buffer.length - 1; i++) {
    if (buffer[i] === CR && buffer[i + 1] === 10) return i;
  }
  return -1;
}

function parseInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value)) {
    throw new TypeError(
      `Cannot parse RESP2 integer: expected digits, found ${JSON.stringify(text)}`,
    );
  }
  return value;
}
