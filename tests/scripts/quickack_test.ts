/**
 * scripts/quickack.sh on real routes, in a private network namespace of its own (`unshare -n`:
 * the host's routes are never touched): a loopback and a veth pair with an IPv4 and an IPv6
 * address and a default route, as a denokv host has. Needs root for the namespace; elsewhere the
 * test is ignored (it says so).
 */
import assert from "node:assert/strict";
import { runCommand } from "../_harness/command.ts";

const SCRIPT = new URL("../../scripts/quickack.sh", import.meta.url).pathname;

/** A namespace like a small host's network: lo, a veth pair up, IPv4 and IPv6, a default route. */
const SETUP = [
  "set -e",
  "ip link set lo up",
  "ip link add v0 type veth peer name v1",
  "ip addr add 10.9.0.1/24 dev v0",
  "ip -6 addr add fd00::1/64 dev v0 nodad",
  "ip link set v0 up",
  "ip link set v1 up",
  "ip route add default via 10.9.0.254 dev v0",
].join("\n");

const canUnshare = Deno.uid() === 0 &&
  (await runCommand("unshare", ["-n", "true"]).then((r) => r.code === 0, () => false));

/** Runs `steps` (bash) in a fresh namespace set up as above; each step's stdout and exit code. */
async function inNamespace(steps: string[]) {
  const marked = steps.map((s, i) => `out=$(${s} 2>&1); echo "@@${i} $? $out"`);
  const { code, stdout, stderr } = await runCommand("unshare", [
    "-n",
    "bash",
    "-c",
    `${SETUP}\nset +e\n${marked.join("\n")}`,
  ]);
  assert.equal(code, 0, stderr);
  return steps.map((_, i) => {
    const at = stdout.indexOf(`@@${i} `);
    const end = stdout.indexOf("@@", at + 2);
    const line = stdout.slice(at, end < 0 ? undefined : end).trim();
    const [, status, ...rest] = line.split(" ");
    return { status: Number(status), out: rest.join(" ") };
  });
}

Deno.test({
  name: "quickack.sh: loopback by default, idempotent, --check reports before and after",
  ignore: !canUnshare,
  async fn() {
    const [before, set, again, after, routes] = await inNamespace([
      `bash ${SCRIPT} --check`,
      `bash ${SCRIPT}`,
      `bash ${SCRIPT}`,
      `bash ${SCRIPT} --check`,
      "ip -4 route show table local dev lo; ip -4 route show table main",
    ]);
    assert.equal(before.status, 1, before.out);
    assert.match(before.out, /off for 2 route\(s\)/);
    assert.equal(set.status, 0, set.out);
    assert.match(set.out, /turned on for 2 of 2 route\(s\)/);
    assert.match(again.out, /quickack: on/, "a second run changes nothing");
    assert.equal(after.status, 0, after.out);
    const lines = routes.out.split("\n");
    for (const l of lines.filter((l) => /^local 127\./.test(l))) assert.match(l, /quickack 1/);
    assert.ok(
      lines.filter((l) => l.startsWith("default")).every((l) => !/quickack/.test(l)),
      "the default route is left alone without --all-routes",
    );
  },
});

Deno.test({
  name: "quickack.sh --all-routes: every IPv4 and IPv6 unicast route a denokv host answers over",
  ignore: !canUnshare,
  async fn() {
    const [before, set, after, routes] = await inNamespace([
      `bash ${SCRIPT} --all-routes --check`,
      `bash ${SCRIPT} --all-routes`,
      `bash ${SCRIPT} --all-routes --check`,
      "ip -4 route show table main; ip -6 route show table main | grep -v ^fe80",
    ]);
    assert.equal(before.status, 1, before.out);
    assert.match(set.out, /turned on for (\d+) of \1 route\(s\)/, set.out);
    assert.equal(after.status, 0, after.out);
    const lines = routes.out.split("\n").filter((l) => l.trim() !== "");
    for (const want of [/^default via 10\.9\.0\.254/, /^10\.9\.0\.0\/24/, /^fd00::\/64/]) {
      const line = lines.find((l) => want.test(l));
      assert.ok(line, `${want} in ${routes.out}`);
      assert.match(line, /quickack 1/);
    }
  },
});

Deno.test({
  name: "quickack.sh refuses an unknown flag",
  async fn() {
    const { code, stderr } = await runCommand("bash", [SCRIPT, "--everything"]);
    assert.equal(code, 2);
    assert.match(stderr, /usage:/);
  },
});
