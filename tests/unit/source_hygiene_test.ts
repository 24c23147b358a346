/**
 * The house rules the suite can check by itself: the sources are formatted and lint-clean
 * (`deno fmt --check`, `deno lint` with the project's deno.json), so CI fails where a reviewer
 * would.
 */
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url).pathname;

async function denoSubcommand(args: string[]): Promise<{ ok: boolean; output: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { ok: out.success, output: text.decode(out.stdout) + text.decode(out.stderr) };
}

Deno.test("deno fmt --check finds nothing to reformat", async () => {
  const { ok, output } = await denoSubcommand(["fmt", "--check"]);
  assert.ok(ok, output.slice(-3000));
});

Deno.test("deno lint finds no problem", async () => {
  const { ok, output } = await denoSubcommand(["lint"]);
  assert.ok(ok, output.slice(-3000));
});
