/**
 * The zod schemas that the routes answering from start-up need, on plain zod: the phone that the
 * system routes' test outbox is asked for, and every route's problem body. Their OpenAPI
 * descriptions (`.openapi(...)`, which needs `@hono/zod-openapi` and its CommonJS converter, ~30 ms
 * of CPU) are added in src/http/schemas.ts, the one place to import the contract's schemas from,
 * which loads with the API groups after the server's first answer (docs/BENCHMARKS.md, issue 15).
 */
import { z } from "zod";
import { normalisePhone } from "../domain/phone_number.ts";

/*
 * Built by functions: `.openapi()` is a method zod copies onto a schema when it is created, so
 * schemas.ts builds its own, annotated, once `@hono/zod-openapi` has extended zod.
 */

/** A phone in E.164, normalised (`+9109811110001` becomes `+919811110001`); schemas.ts `Phone`. */
export const e164Phone = () =>
  z.string().max(20).regex(
    /^\+[1-9]\d{7,15}$/,
    "must be E.164, like +919812345678",
  )
    .transform((v, ctx) => {
      const phone = normalisePhone(v);
      if (phone) return phone;
      ctx.addIssue({ code: "custom", message: "is not a possible phone number" });
      return z.NEVER;
    });

/** The problem+json body of every error answer (src/http/problem.ts); schemas.ts `ProblemSchema`. */
export const problemBody = () =>
  z.object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    requestId: z.string().optional(),
  });

/** `to` is required: a listing of every phone's codes would hand any code to anyone. */
export const OutboxQuery = z.object({ to: e164Phone() });
