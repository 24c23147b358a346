/**
 * Reading Upstash REST requests: the bearer token, JSON command bodies (`["SET","k","v"]`,
 * `[["SET","k","v"], ...]`) and the path form (`/set/k/v?EX=100`, POST body as the value).
 * Owns validation of what clients send; must never talk to Redis.
 */
import type { RedisArg } from "./redis_connection.ts";

/** The request cannot be turned into Redis commands; answered with 400. */
export class BadCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadCommandError";
  }
}

/** True when the request carries `Authorization: Bearer <token>` or `?_token=<token>`. */
export function hasValidToken(req: Request, url: URL, token: string): boolean {
  const header = req.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  const sent = match?.[1] ?? url.searchParams.get("_token") ?? "";
  return constantTimeEqual(sent, token);
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  let diff = left.length ^ right.length;
  for (let i = 0; i < left.length; i++) diff |= left[i] ^ (right[i % right.length] ?? 0);
  return diff === 0;
}

/** Validates one command array; numbers and booleans become their decimal / word text. */
export function toCommand(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadCommandError(
      `ERR ${where}: expected a non-empty JSON array like ["SET","key","value"], found ` +
        describe(value),
    );
  }
  return value.map((arg, i) => {
    if (typeof arg === "string") return arg;
    if (typeof arg === "number" || typeof arg === "boolean") return String(arg);
    throw new BadCommandError(
      `ERR ${where}: argument ${i} must be a string, number or boolean, found ${describe(arg)}`,
    );
  });
}

/** Parses a body holding one command. */
export function parseSingleCommandBody(text: string): string[] {
  return toCommand(parseJson(text, "request body"), "request body");
}

/** Parses a /pipeline or /multi-exec body: an array of command arrays. */
export function parseCommandListBody(text: string): string[][] {
  const value = parseJson(text, "request body");
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadCommandError(
      `ERR request body: expected a non-empty JSON array of commands like [["GET","k"]], found ` +
        describe(value),
    );
  }
  return value.map((command, i) => toCommand(command, `command ${i + 1}`));
}

/**
 * Builds a command from the URL path (`/set/k/v`), then the raw POST body as one more argument
 * (binary-safe), then each query parameter except `_token` as `NAME value`.
 */
export function parsePathCommand(url: URL, body: Uint8Array | null): RedisArg[] {
  const segments = url.pathname.split("/").filter((s) => s !== "");
  let args: RedisArg[];
  try {
    args = segments.map((segment) => decodeURIComponent(segment));
  } catch {
    throw new BadCommandError(`ERR path ${url.pathname} is not valid percent-encoding`);
  }
  if (body !== null && body.length > 0) args.push(body);
  for (const [name, value] of url.searchParams) {
    if (name === "_token") continue;
    args.push(name);
    if (value !== "") args.push(value);
  }
  if (args.length === 0) throw new BadCommandError("ERR empty command: nothing in path or body");
  return args;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadCommandError(`ERR ${where} is not valid JSON: ${(error as Error).message}`);
  }
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}
