/**
 * The one polling helper of the tests: calls `check` until it returns something other than
 * `undefined`, `null` or `false`, and returns that; after `timeoutMs` it throws naming `what`. For waiting on another process or an asynchronous delivery, never as a timer.
 */
export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** `what` may be a function, to name the last state seen in the error. */
export async function eventually<T>(
  what: string | (() => string),
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = 15_000, intervalMs = 50 }: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() >= deadline) {
      const name = typeof what === "function" ? what() : what;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${name}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
