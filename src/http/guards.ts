/**
 * Request guards for the JSON API: bodies must be JSON (415 otherwise) and no larger than the
 * configured limit (413), checked before any handler reads them.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { AppError } from "../errors.ts";
import type { AppEnv } from "./app_env.ts";

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

/**
 * The JSON API's body rules as one middleware (one step of the chain on every request, which a
 * slot listing pays for): a POST, PUT or PATCH body must be JSON (415), and no body may be
 * larger than `maxSize` bytes (413, Hono's `bodyLimit`, which lets a request without a body
 * through untouched).
 */
export function jsonBodies(maxSize: number): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({
    maxSize,
    onError: () => {
      throw payloadTooLarge(maxSize);
    },
  });
  // Not async: a request without a body goes on to `next` with no promise of its own.
  return function jsonBodiesMiddleware(c, next) {
    const method = c.req.method;
    if (method === "POST" || method === "PUT" || method === "PATCH") {
      const length = c.req.header("content-length");
      const hasBody = (length !== undefined && length !== "0") ||
        c.req.header("transfer-encoding") !== undefined;
      const type = c.req.header("content-type") ?? "";
      if (hasBody && !JSON_TYPE.test(type)) {
        throw new AppError(
          415,
          "unsupported_media_type",
          "Unsupported media type",
          "Send the body as application/json",
        );
      }
    }
    // Nothing to limit without a body (bodyLimit's own first check): skip its async frame.
    return c.req.raw.body ? limit(c, next) : next();
  };
}

/**
 * The size rule alone (413 over `maxSize` bytes), for a POST outside the JSON API whose body is
 * not JSON (Twilio's form-encoded status callback), checked before the body is parsed.
 */
export function boundedBodies(maxSize: number): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw payloadTooLarge(maxSize);
    },
  });
}

function payloadTooLarge(limit: number): AppError {
  return new AppError(
    413,
    "payload_too_large",
    "Payload too large",
    `The body is larger than ${limit} bytes`,
  );
}
