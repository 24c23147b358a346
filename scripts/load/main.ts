/**
 * `deno task load`: the load, contention and fault harness. See USAGE in options.ts, or run with
 * --help. Everything it starts listens on 127.0.0.1 and is stopped before it exits; every loop is
 * bounded by a count and by --max-seconds.
 */
import { renderProfile, summariseProfile } from "./cpu_profile.ts";
import { parseLoadArgs, USAGE } from "./options.ts";
import { checkTargets, renderMarkdown } from "./report.ts";
import { runLoad } from "./run.ts";
import { renderScaling, runScaling } from "./scaling.ts";
import { readProc } from "./server_process.ts";
import { loopbackQuickAck } from "./quickack.ts";
import { renderStarts, runStarts } from "./starts.ts";

async function machine(): Promise<Record<string, string>> {
  const mem = await readProc("/proc/meminfo").catch(() => "");
  const kb = /MemTotal:\s+(\d+)/.exec(mem)?.[1];
  const cpu = (await readProc("/proc/cpuinfo").catch(() => ""))
    .match(/model name\s*:\s*(.+)/)?.[1] ?? "unknown";
  return {
    nproc: String(navigator.hardwareConcurrency),
    cpu,
    memory: kb ? `${Math.round(Number(kb) / 1024 / 1024 * 10) / 10} GiB` : "unknown",
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    os: `${Deno.build.os} ${Deno.build.arch}`,
    "loopback quickack": await loopbackQuickAck(),
  };
}

function progressPrinter(quiet: boolean) {
  let last = 0;
  let lastPhase = "";
  return (phase: string, done: number, total: number) => {
    if (quiet) return;
    const now = performance.now();
    if (phase === lastPhase && now - last < 250 && done < total) return;
    if (phase !== lastPhase && lastPhase) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
    last = now;
    lastPhase = phase;
    const width = 30;
    const filled = Math.min(width, Math.round((done / Math.max(1, total)) * width));
    const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
    Deno.stderr.writeSync(
      new TextEncoder().encode(`\r${phase.padEnd(18)} ${bar} ${done}/${total}`),
    );
  };
}

/**
 * Writes a run's JSON and markdown into `out` and prints the markdown: `name` names both files, or
 * [json, markdown] when they differ (the full run's result.json and summary.md).
 */
async function writeReport(
  out: string,
  name: string | [string, string],
  json: unknown,
  markdown: string,
): Promise<void> {
  const [jsonName, mdName] = typeof name === "string" ? [name, name] : name;
  await Deno.writeTextFile(`${out}/${jsonName}.json`, JSON.stringify(json, null, 2) + "\n");
  await Deno.writeTextFile(`${out}/${mdName}.md`, markdown);
  console.log(markdown);
  console.log(`Wrote ${out}/${jsonName}.json and ${out}/${mdName}.md`);
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseLoadArgs(Deno.args);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  await Deno.mkdir(options.out, { recursive: true });
  if (options.instances !== undefined) {
    const scaling = await runScaling(options, options.instances, progressPrinter(options.quiet));
    if (!options.quiet) console.error("");
    const host = await machine();
    await writeReport(
      options.out,
      "scaling",
      { machine: host, ...scaling },
      renderScaling(scaling, host),
    );
    return scaling.ok ? 0 : 1;
  }
  if (options.starts !== undefined) {
    const starts = await runStarts(options, options.starts, progressPrinter(options.quiet));
    if (!options.quiet) console.error("");
    const host = await machine();
    await writeReport(
      options.out,
      "starts",
      { machine: host, ...starts },
      renderStarts(starts, host),
    );
    return 0;
  }
  const result = await runLoad(options, progressPrinter(options.quiet));
  if (!options.quiet) console.error("");
  const host = await machine();
  let markdown = renderMarkdown(result, host);
  let profile = null;
  if (options.cpuProf) {
    const files = [...Deno.readDirSync(`${options.out}/cpu`)].filter((f) =>
      f.name.endsWith(".cpuprofile")
    );
    if (files.length > 0) {
      profile = await summariseProfile(`${options.out}/cpu/${files.at(-1)!.name}`);
      markdown += "\n" + renderProfile(profile);
    }
  }
  const json = { machine: host, targets: checkTargets(result), ...result, profile };
  await writeReport(options.out, ["result", "summary"], json, markdown);
  return result.ok ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
