/**
 * The shared shape of operator scripts: arguments parsed and validated with zod, `--help`, a
 * progress bar on stderr, a confirmation before destructive work (`--yes` skips it; without a
 * terminal and without `--yes` the script refuses), and one clear message with a non-zero exit on
 * failure. Script output never contains phone numbers, codes, tokens or medical text.
 */
import { z } from "zod";

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type Raw = Record<string, string | boolean>;

/** Splits `--key value`, `--key=value` and bare `--flag` (a flag listed in `flags`). */
export function splitArgs(argv: string[], flags: readonly string[]): Raw {
  const out: Raw = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new UsageError(`Unexpected argument "${arg}"`);
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (eq > 0) {
      out[name] = arg.slice(eq + 1);
    } else if (flags.includes(name)) {
      out[name] = true;
    } else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) {
        throw new UsageError(`--${name} needs a value`);
      }
      out[name] = value;
      i++;
    }
  }
  return out;
}

/** Parses `argv` against `schema` (keys are option names); prints usage and exits on --help. */
export function parseArgs<S extends z.ZodObject>(
  argv: string[],
  schema: S,
  usage: string,
  flags: readonly string[] = [],
): z.infer<S> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(usage.trim());
    Deno.exit(0);
  }
  const raw = splitArgs(argv, [...flags, "yes", "dry-run"]);
  const parsed = schema.strict().safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) =>
      i.code === "unrecognized_keys"
        ? `unknown option ${i.keys.map((k) => `--${k}`).join(", ")}`
        : `--${i.path.join(".")}: ${i.message}`
    );
    throw new UsageError(lines.join("\n"));
  }
  return parsed.data as z.infer<S>;
}

/** Creates the folder of an output file, so `--out ./out/x.csv` works on a fresh checkout. */
export async function ensureParentDir(path: string): Promise<void> {
  const dir = path.replace(/[\\/][^\\/]*$/, "");
  if (dir && dir !== path) await Deno.mkdir(dir, { recursive: true });
}

/** A `YYYY-MM-DD` calendar date. */
export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD").refine(
  (s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)),
  "not a real date",
);
export const flag = z.boolean().default(false);

export interface Progress {
  tick(by?: number): void;
  done(): void;
}

/** A progress bar on stderr, redrawn at most every 100 ms; silent when stderr is no terminal. */
export function progressBar(label: string, total: number): Progress {
  const tty = Deno.stderr.isTerminal();
  const encoder = new TextEncoder();
  let current = 0;
  let lastDraw = 0;
  const draw = (force: boolean) => {
    if (!tty) return;
    const nowMs = performance.now();
    if (!force && nowMs - lastDraw < 100) return;
    lastDraw = nowMs;
    const ratio = total > 0 ? Math.min(1, current / total) : 1;
    const width = 30;
    const filled = Math.round(ratio * width);
    const bar = "#".repeat(filled) + "-".repeat(width - filled);
    const pct = String(Math.round(ratio * 100)).padStart(3);
    Deno.stderr.writeSync(encoder.encode(`\r${label} [${bar}] ${pct}% ${current}/${total}`));
  };
  return {
    tick(by = 1) {
      current += by;
      draw(false);
    },
    done() {
      draw(true);
      if (tty) Deno.stderr.writeSync(encoder.encode("\n"));
    },
  };
}

/**
 * Asks before destructive work. `--yes` answers for the operator; with no terminal to ask on,
 * the answer is no, so a cron job without `--yes` changes nothing.
 */
export function confirmOrExit(question: string, yes: boolean): void {
  if (yes) return;
  if (!Deno.stdin.isTerminal()) {
    throw new UsageError(`${question} Refusing without a terminal; pass --yes to proceed.`);
  }
  const answer = prompt(`${question} Type "yes" to continue:`);
  if (answer?.trim().toLowerCase() !== "yes") {
    console.error("Aborted; nothing was changed.");
    Deno.exit(1);
  }
}

/** Runs a script's main; a failure prints one clear line (no stack) and exits non-zero. */
export async function runScript(name: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    // `| head` closing stdout early is not a failure.
    if (err instanceof Deno.errors.BrokenPipe) Deno.exit(0);
    const message = err instanceof Error ? err.message : String(err);
    const hint = err instanceof UsageError ? `\nRun with --help for usage.` : "";
    console.error(`${name}: ${message}${hint}`);
    Deno.exit(err instanceof UsageError ? 2 : 1);
  }
}
