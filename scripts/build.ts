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
import { createHash } from "node:crypto";
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

/** The files the bundle is built from, by path from the repository's root, with their bytes. */
export type Sources = Map<string, Uint8Array>;

/** Reads every file the bundle is built from, once for the hash and the entries alike. */
export async function readSources(): Promise<Sources> {
  const paths = SOURCE_FILES.map((f) => new URL(f, ROOT).pathname);
  for (const folder of SOURCE_FOLDERS) {
    for await (const path of walk(new URL(folder, ROOT).pathname, SOURCE_FILE)) paths.push(path);
  }
  paths.sort();
  const sources: Sources = new Map();
  for (const path of paths) {
    sources.set(path.slice(ROOT.pathname.length), await Deno.readFile(path));
  }
  return sources;
}

/** Every module the server imports through `onDemand`, from the repository's root, sorted. */
export async function onDemandModules(sources?: Sources): Promise<string[]> {
  const found = new Set<string>();
  const decoder = new TextDecoder();
  for (const [path, bytes] of sources ?? await readSources()) {
    // The server's own modules: not this script, whose comments name the pattern.
    if (!/\.tsx?$/.test(path) || !SOURCE_FOLDERS.some((f) => path.startsWith(`${f}/`))) continue;
    for (const m of decoder.decode(bytes).matchAll(ON_DEMAND)) found.add(m[1]);
  }
  return [...found].sort();
}

/** A hash of every file the bundle is built from (paths and contents), hex. */
export async function sourcesHash(sources?: Sources): Promise<string> {
  const hash = createHash("sha256");
  for (const [path, bytes] of sources ?? await readSources()) {
    hash.update(`${path}\0`).update(bytes);
  }
  return hash.digest("hex");
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
export async function build(sources?: Sources): Promise<void> {
  sources ??= await readSources();
  const hash = await sourcesHash(sources);
  const entries = ["src/main.ts", ...await onDemandModules(sources)];
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
  let had = true;
  try {
    await Deno.rename(new URL(BUNDLE_DIR, ROOT), new URL(old, ROOT));
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    had = false;
  }
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
  // One read of the sources for the check, the check under the lock and the build.
  const sources = await readSources();
  const hash = await sourcesHash(sources);
  if (await builtFrom() === hash) return;
  const lock = await Deno.open(new URL(`${BUNDLE_DIR}.lock`, ROOT), {
    create: true,
    write: true,
  });
  try {
    await lock.lock(true);
    if (await builtFrom() !== hash) await build(sources);
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
