/**
 * Every line the server prints is JSON: `console.*` calls (ours, a library's, and the Deno
 * runtime's own warnings, such as Deno.serve's "request.signal aborts on successful responses
 * (legacy behavior)", which call the global console) go through the JSON logger, at the
 * matching level, with `source: "console"`. The text is redacted like every log message.
 * Installed once by the entry point; returns a function that puts the console back.
 */
import type { Logger } from "./logger.ts";

type Method = "log" | "info" | "debug" | "warn" | "error";
const LEVEL: Record<Method, keyof Logger & ("info" | "debug" | "warn" | "error")> = {
  log: "info",
  info: "info",
  debug: "debug",
  warn: "warn",
  error: "error",
};

function text(args: unknown[]): string {
  return args.map((a) => typeof a === "string" ? a : Deno.inspect(a, { colors: false })).join(
    " ",
  );
}

export function routeConsoleToLog(log: Logger): () => void {
  const original = new Map<Method, (...args: unknown[]) => void>();
  for (const method of Object.keys(LEVEL) as Method[]) {
    original.set(method, console[method]);
    console[method] = (...args: unknown[]) => log[LEVEL[method]](text(args), { source: "console" });
  }
  return function restoreConsole() {
    for (const [method, fn] of original) console[method] = fn;
  };
}
