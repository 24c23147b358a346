/**
 * `deno task build`: the server as a bundle in `dist/`, which `deno task start` and the image
 * run. Entries are `src/main.ts` and every module the server imports on demand
 * (src/on_demand.ts), each its own file `dist/<path>.js`; code they share goes into chunks that
 * each is loaded once. Why: Deno keeps the source text of every module it has loaded, for V8, and
 * ours are mostly comments and types, which the bundle leaves out: at start-up the server's heap
 * held 20.5 MB from the sources (9.3 MB of it strings) against 13.9 MB from the bundle (3.8 MB), and
 * RSS at the full day's race end read ~10 MB lower (docs/BENCHMARKS.md, issue 15). Not minified:
 * the minified bundle's days cost more CPU per booking in alternating runs, and names and lines
 * stay readable in stack traces.
 *
 * `dist/.sources` records a hash of what the bundle was built from (src/, routes/, deno.json,
 * deno.lock and this script); `ensureBuilt()` rebuilds only when it differs, under a lock, so
 * parallel test processes build once. Source maps are written beside the bundle, for a stack trace
 * read later.
 *
 * Usage: deno task build [--force]   (without --force: only when the sources changed)
 */
import { walk } from "./_walk.ts";

const ROOT = new URL("../", import.meta.url);
/** Where the bundle goes, from the repository's root. */
export const BUNDLE_DIR = "dist";
/** The bundle's entry for `src/main.ts`, as the start task names it. */
export const BUNDLE_MAIN = `${BUNDLE_DIR}/src/main.js`;
const STAMP = `${BUNDLE_DIR}/.sources`;
/** What the bundle is built from: a change here makes `ensureBuilt()` build again. */
const SOURCE_FOLDERS = ["src", "routes"];
const SOURCE_FILES = ["deno.json", "deno.lock", "scripts/build.ts"];
const SOURCE_FILE = /\.(ts|tsx|json)$/;

/**
 * npm packages the bundle imports rather than contains, from Deno's npm cache as the sources do:
 * CommonJS that `require()`s Node's modules as it runs, which a bundle of ES modules cannot (the
 * MongoDB driver, Twilio, `swagger-ui-dist`), and OpenTelemetry's API, which the server imports
 * with `import()` only when telemetry is on, where a bundle's chunk of CommonJS would hand it a
 * default export instead of Deno's named ones. Each is loaded only where configured or asked for.
 */
const EXTERNAL = ["mongodb", "twilio", "swagger-ui-dist", "@opentelemetry/api"];

/** `onDemand<...>("path")`: the module paths named there, from the repository's root. */
const ON_DEMAND = /onDemand<[^>]*>\(\s*"([^"]+)",?\s*\)/g;

/** Every module the server imports through `onDemand`, from the repository's root, sorted. */
export async function onDemandModules(): Promise<string[]> {
  const found = new Set<string>();
  for (const folder of SOURCE_FOLDERS) {
    for await (const path of walk(new URL(folder, ROOT).pathname, /\.tsx?$/)) {
      const text = await Deno.readTextFile(path);
      for (const m of text.matchAll(ON_DEMAND)) found.add(m[1]);
    }
  }
  return [...found].sort();
}

/** A hash of every file the bundle is built from (paths and contents). */
export async function sourcesHash(): Promise<string> {
  const files: string[] = SOURCE_FILES.map((f) => new URL(f, ROOT).pathname);
  for (const folder of SOURCE_FOLDERS) {
    for await (const path of walk(new URL(folder, ROOT).pathname, SOURCE_FILE)) files.push(path);
  }
  files.sort();
  const parts: Uint8Array[] = [];
  const encoder = new TextEncoder();
  for (const file of files) {
    parts.push(encoder.encode(`${file.slice(ROOT.pathname.length)}\0`), await Deno.readFile(file));
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function builtFrom(): Promise<string | null> {
  try {
    return (await Deno.readTextFile(new URL(STAMP, ROOT))).trim();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

/**
 * Bundles into a fresh folder beside `dist/` and then puts it in its place, so a failed build
 * leaves the last good bundle as it was.
 */
export async function build(): Promise<void> {
  const hash = await sourcesHash();
  const entries = ["src/main.ts", ...await onDemandModules()];
  const fresh = `${BUNDLE_DIR}.new-${Deno.pid}`;
  const old = `${BUNDLE_DIR}.old-${Deno.pid}`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform=deno",
      "--code-splitting",
      // Maps beside the bundle, not named in it: Deno reads a named map at load time and keeps it
      // (~3 MB of RSS for these).
      "--sourcemap=external",
      ...EXTERNAL.map((name) => `--external=${name}`),
      `--outdir=${fresh}`,
      ...entries,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    await Deno.remove(new URL(fresh, ROOT), { recursive: true }).catch(() => {});
    throw new Error(`deno bundle failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  await Deno.writeTextFile(new URL(`${fresh}/.sources`, ROOT), `${hash}\n`);
  const had = await Deno.rename(new URL(BUNDLE_DIR, ROOT), new URL(old, ROOT)).then(
    () => true,
    (err) => {
      if (err instanceof Deno.errors.NotFound) return false;
      throw err;
    },
  );
  await Deno.rename(new URL(fresh, ROOT), new URL(BUNDLE_DIR, ROOT));
  if (had) await Deno.remove(new URL(old, ROOT), { recursive: true });
}

/** True when `dist/` was built from the sources as they are now. */
export async function isCurrent(): Promise<boolean> {
  return await builtFrom() === await sourcesHash();
}

/** This process's check (the sources do not change under a running test or load run). */
let ensured: Promise<void> | null = null;

/**
 * Builds `dist/` unless it is current, once per process. Processes that start the server from the
 * bundle (the test and load harnesses) call it first; a lock file makes concurrent ones build once.
 */
export function ensureBuilt(): Promise<void> {
  return ensured ??= buildUnlessCurrent().catch((err) => {
    ensured = null;
    throw err;
  });
}

async function buildUnlessCurrent(): Promise<void> {
  if (await isCurrent()) return;
  const lock = await Deno.open(new URL(`${BUNDLE_DIR}.lock`, ROOT), {
    create: true,
    write: true,
  });
  try {
    await lock.lock(true);
    if (!await isCurrent()) await build();
  } finally {
    lock.close();
  }
}

if (import.meta.main) {
  if (Deno.args.includes("--help")) {
    console.log(
      "Usage: deno task build [--force]\nBundles the server into dist/ (unless it is current).",
    );
  } else if (Deno.args.includes("--force")) {
    await build();
  } else {
    await ensureBuilt();
  }
}
