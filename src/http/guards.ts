/**
 * Request guards for the JSON API: bodies must be JSON (415 otherwise) and no larger than the
 * configured limit (413), checked before any handler reads them.
 */
import type { MiddlewareHandler } from "hono";
import { AppError } from "../errors.ts";
import type { AppEnv } from "./app_env.ts";

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

export function jsonOnly(): MiddlewareHandler<AppEnv> {
  return async function jsonOnlyMiddleware(c, next) {
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
    await next();
  };
}

export function payloadTooLarge(limit: number): AppError {
  return new AppError(
    413,
    "payload_too_large",
    "Payload too large",
    `The body is larger than ${limit} bytes`,
  );
}
