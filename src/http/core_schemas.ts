/**
 * The zod schemas that the routes answering from start-up need (src/http/schemas.ts re-exports
 * them, the one place to import the contract's schemas from): every route's problem body, and the
 * phone that the system routes' test outbox is asked for. The rest of the contract is built only
 * when the API groups load, after the server's first answer (docs/BENCHMARKS.md, issue 15).
 */
import { z } from "@hono/zod-openapi";
import { normalisePhone } from "../domain/phone_number.ts";

/** A phone in E.164, normalised (`+9109811110001` becomes `+919811110001`). */
export const Phone = z.string().max(20).regex(
  /^\+[1-9]\d{7,15}$/,
  "must be E.164, like +919812345678",
)
  .transform((v, ctx) => {
    const phone = normalisePhone(v);
    if (phone) return phone;
    ctx.addIssue({ code: "custom", message: "is not a possible phone number" });
    return z.NEVER;
  })
  // The transform hides the input's checks from the document: state them for clients.
  .openapi({
    example: "+919812345678",
    type: "string",
    maxLength: 20,
    pattern: "^\\+[1-9]\\d{7,15}$",
  });

/** The problem+json body of every error answer (src/http/problem.ts). */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  requestId: z.string().optional(),
}).openapi("Problem");

/** `to` is required: a listing of every phone's codes would hand any code to anyone. */
export const OutboxQuery = z.object({ to: Phone });
