/**
 * Every line the server prints is JSON: `console.*` calls (ours, a library's, and the Deno
 * runtime's own warnings, which call the global console, such as Deno.serve's "request.signal
 * aborts on successful responses (legacy behavior)", which deno.json now avoids at its cause with
 * the `no-legacy-abort` unstable feature) go through the JSON logger, at the matching level, with
 * `source: "console"`; an uncaught error or unhandled rejection, which Deno would print as plain
 * text before exiting, is logged as one JSON line first. The text is redacted like every log
 * message. Installed once by the entry point; each returns a function that undoes it.
 */
import { errorFields, type Logger, redactValue } from "./logger.ts";

type Method = "log" | "info" | "debug" | "warn" | "error";
const LEVEL: Record<Method, keyof Logger & ("info" | "debug" | "warn" | "error")> = {
  log: "info",
  info: "info",
  debug: "debug",
  warn: "warn",
  error: "error",
};

/**
 * An object is printed after its sensitive fields are dropped by name, as a logged field is (the
 * text alone is redacted only for phone-, code- and JWT-shaped strings); an error keeps its stack.
 */
function argText(a: unknown): string {
  if (typeof a === "string") return a;
  const inspect = (v: unknown) => Deno.inspect(v, { colors: false });
  const plain = redactValue(a);
  if (a instanceof Error && a.stack) {
    const { name: _name, message: _message, ...rest } = plain as Record<string, unknown>;
    return Object.keys(rest).length > 0 ? `${a.stack} ${inspect(rest)}` : a.stack;
  }
  return inspect(plain);
}

function text(args: unknown[]): string {
  return args.map(argText).join(" ");
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

/**
 * Logs an uncaught error or unhandled promise rejection as one JSON line at level error (with its
 * stack), then exits with code 1, as Deno itself would after printing it in plain text.
 */
export function logUncaughtErrors(
  log: Logger,
  exit: (code: number) => void = (code) => Deno.exit(code),
): () => void {
  function report(msg: string, error: unknown) {
    const stack = error instanceof Error ? { stack: error.stack } : {};
    log.error(msg, { ...errorFields(error), ...stack, source: "runtime" });
    exit(1);
  }
  function onError(event: ErrorEvent) {
    event.preventDefault();
    report("uncaught error", event.error ?? event.message);
  }
  function onRejection(event: PromiseRejectionEvent) {
    event.preventDefault();
    report("unhandled rejection", event.reason);
  }
  globalThis.addEventListener("error", onError);
  globalThis.addEventListener("unhandledrejection", onRejection);
  return function stopLoggingUncaughtErrors() {
    globalThis.removeEventListener("error", onError);
    globalThis.removeEventListener("unhandledrejection", onRejection);
  };
}
