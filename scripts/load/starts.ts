/**
 * `deno task load --starts N`: the full run's first-response measurement alone, N times. Each
 * start is the one `runLoad` makes (startStack: the stack on a fresh KV file, or on --kv-path,
 * with the start task's flags), timed from spawn to the first 2xx on /healthz; the stack is then
 * closed before the next. The first of them is exactly the start a full run times; the rest
 * show how much that one reading varies.
 */
import type { LoadOptions } from "./options.ts";
import { FIRST_RESPONSE_TARGET_MS } from "./report.ts";
import type { Progress } from "./run.ts";
import { readProc } from "./server_process.ts";
import { startStack } from "./stack.ts";

export interface StartsResult {
  store: "kv" | "mongo";
  /** Milliseconds from spawn to the first 2xx, per start, in order. */
  startupMs: number[];
  medianMs: number;
  loadAverage: string;
}

export async function runStarts(
  o: LoadOptions,
  count: number,
  progress: Progress = () => {},
): Promise<StartsResult> {
  const startupMs: number[] = [];
  for (let i = 0; i < count; i++) {
    progress("starts", i, count);
    const stack = await startStack(o.store, { kvPath: o.kvPath });
    startupMs.push(stack.app.startupMs);
    await stack.close();
  }
  progress("starts", count, count);
  const sorted = [...startupMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const medianMs = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const loadAverage = (await readProc("/proc/loadavg").catch(() => "?")).trim();
  return { store: o.store, startupMs, medianMs, loadAverage };
}

export function renderStarts(r: StartsResult, host: Record<string, string>): string {
  const under = r.startupMs.filter((ms) => ms < FIRST_RESPONSE_TARGET_MS).length;
  return [
    `# First response after start (${r.store}, ${r.startupMs.length} starts)`,
    "",
    `Machine: ${host.nproc} CPUs, ${host.cpu}, ${host.memory}; deno ${host.deno}. ` +
    `Load average after: ${r.loadAverage}.`,
    "",
    `- each start, spawn to the first 2xx: ${r.startupMs.join(", ")} ms`,
    `- median ${r.medianMs} ms; ${under} of ${r.startupMs.length} under the target of ` +
    `${FIRST_RESPONSE_TARGET_MS} ms`,
    "",
  ].join("\n");
}
