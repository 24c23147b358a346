/**
 * Runs an operator script the way `deno task NAME` would, with the task's own permission flags
 * from deno.json, except that ./data and ./out point at a test's temporary folder. So a script
 * needing more permission than its task grants fails here too.
 */
import { type CommandResult, runCommand } from "../_harness/command.ts";
import { REPO_ROOT } from "../_harness/ports.ts";

const tasks = (JSON.parse(await Deno.readTextFile(`${REPO_ROOT}deno.json`)) as {
  tasks: Record<string, string>;
}).tasks;

function taskArgs(name: string, dir: string): string[] {
  const task = tasks[name];
  if (!task) throw new Error(`deno.json has no task ${name}`);
  const parts = task.split(/\s+/).map((p) =>
    p.replaceAll("./data", `${dir}/data`).replaceAll("./out", `${dir}/out`)
  );
  if (parts[0] !== "deno") throw new Error(`task ${name} does not start with deno`);
  return parts;
}

export function runTask(
  name: string,
  args: string[],
  dir: string,
  env: Record<string, string> = {},
): Promise<CommandResult> {
  const parts = taskArgs(name, dir);
  return runCommand(Deno.execPath(), [...parts.slice(1), ...args], {
    KV_PATH: `${dir}/data/vaidya.kv`,
    ...env,
  });
}

/** Starts an operator script like `runTask` but returns the running child (stderr piped). */
export function spawnTask(
  name: string,
  args: string[],
  dir: string,
  env: Record<string, string> = {},
  stdout: "null" | "piped" = "null",
): Deno.ChildProcess {
  const parts = taskArgs(name, dir);
  return new Deno.Command(Deno.execPath(), {
    args: [...parts.slice(1), ...args],
    cwd: REPO_ROOT,
    env: { KV_PATH: `${dir}/data/vaidya.kv`, NO_COLOR: "1", ...env },
    stdin: "null",
    stdout,
    stderr: "piped",
  }).spawn();
}
