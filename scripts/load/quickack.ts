/**
 * Whether this host ACKs loopback segments at once (scripts/quickack.sh --check), for the
 * reports of runs that reach a KV server over loopback: without it every KV request over ~1 KiB
 * waits ~40 ms (docs/BENCHMARKS.md, issue 15, "the 44 ms commits"), so figures taken either way
 * are not comparable.
 */
export async function loopbackQuickAck(): Promise<"on" | "off"> {
  const script = new URL("../quickack.sh", import.meta.url).pathname;
  const { code } = await new Deno.Command("bash", {
    args: [script, "--check"],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => ({ code: 1 }));
  return code === 0 ? "on" : "off";
}
