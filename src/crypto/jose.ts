/**
 * jose (JWT verification, room tokens), loaded on first use instead of at start-up: evaluating it
 * costs ~6-10 ms of CPU that the first answer (a health check) does not need (docs/BENCHMARKS.md,
 * issue 15). `src/main.ts` loads it beside node:crypto once the server has answered its first
 * request or been up a second; a verification or room token before then awaits this one load.
 * Start-up itself does without it: the signing key is checked and the development one generated
 * with WebCrypto (src/auth/token_service.ts, src/crypto/secrets.ts).
 */
export type Jose = typeof import("jose");

let loading: Promise<Jose> | undefined;

/** Loads jose (once per process); resolves to the module. */
export function loadJose(): Promise<Jose> {
  loading ??= import("jose");
  return loading;
}
