/**
 * Runs a command to completion in the repository root (stdin closed, NO_COLOR set) and returns its
 * exit code and decoded output, for tests whose subject is a process's own output and exit.
 */
import { REPO_ROOT } from "./ports.ts";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCommand(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CommandResult> {
  const out = await new Deno.Command(command, {
    args,
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}
