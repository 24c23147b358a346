/**
 * The `start` task of deno.json, read once for every place that must start the server the way
 * production does: its leading `NAME=value` assignments (process environment, e.g. glibc malloc
 * tunables) and the `deno` arguments after them. The load harness (scripts/load/server_process.ts)
 * starts the server with both; tests/unit/deploy_files_test.ts checks that the Dockerfile's ENV
 * and CMD are the same two things.
 */
import denoJson from "../deno.json" with { type: "json" };

export interface StartTask {
  /** `NAME=value` assignments before the command, in order. */
  env: Record<string, string>;
  /** The command and its arguments, starting with `deno`. */
  command: string[];
  /** The `--v8-flags=...` arguments of the command. */
  v8Flags: string[];
}

const ASSIGNMENT = /^([A-Z_][A-Z0-9_]*)=(\S*)$/;

/** Splits a task line into its leading assignments and the command (no quoting in our tasks). */
export function parseStartTask(line: string): StartTask {
  const words = line.trim().split(/\s+/);
  const env: Record<string, string> = {};
  let at = 0;
  for (; at < words.length; at++) {
    const m = ASSIGNMENT.exec(words[at]);
    if (!m) break;
    env[m[1]] = m[2];
  }
  const command = words.slice(at);
  if (command[0] !== "deno") {
    throw new SyntaxError(`The start task must run deno after its assignments, found: ${line}`);
  }
  return { env, command, v8Flags: command.filter((arg) => arg.startsWith("--v8-flags=")) };
}

/**
 * The start task's `--v8-flags` with `extra` V8 flags added to the same argument (a benchmark that
 * compares V8 flags); the start task's own when `extra` is empty. V8 rejects Deno's code cache
 * made under other flags, so a server started with extras compiles its modules afresh.
 */
export function v8FlagsWith(task: StartTask, extra: string[]): string[] {
  if (extra.length === 0) return task.v8Flags;
  const own = task.v8Flags.map((arg) => arg.slice("--v8-flags=".length)).filter((f) => f !== "");
  return [`--v8-flags=${[...own, ...extra].join(",")}`];
}

/** deno.json's `start` task. */
export const START_TASK: StartTask = parseStartTask(denoJson.tasks.start.command);

/** The module the start task runs: the bundle's entry (scripts/build.ts, BUNDLE_MAIN). */
export const START_ENTRY: string = START_TASK.command.at(-1)!;

/**
 * The image's warm-up (a Dockerfile RUN): the start task's command plus `--warm-up`, which loads
 * every module and exits, so Deno's V8 code cache holds them compiled under the start task's V8
 * flags. Arguments after `deno`.
 */
export const WARM_UP_ARGS: string[] = [...START_TASK.command.slice(1), "--warm-up"];
