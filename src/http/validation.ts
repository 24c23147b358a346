/** Turns zod failures from route validation into one `ValidationError` (400 `validation_failed`). */
import type { z } from "@hono/zod-openapi";
import { ValidationError } from "../errors.ts";

export function validationHook(result: { success: boolean; error?: z.ZodError }): void {
  if (!result.success && result.error) {
    const errors = result.error.issues.map((i) => ({
      path: i.path.join(".") || "(body)",
      message: i.message,
    }));
    throw new ValidationError(
      `The request is not valid: ${errors.map((e) => `${e.path} ${e.message}`).join("; ")}`,
      errors,
    );
  }
}
