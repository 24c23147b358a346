/**
 * Operator scripts on a small real data set in a temporary KV, run through their deno tasks:
 * seed (deterministic, re-runnable), report (table, CSV, SVG), export (no phones; medical text
 * only on request), admin:create (a login becomes admin), and for each: --help, bad arguments
 * (exit 2 with a clear message) and dry runs that change nothing.
 */
import assert from "node:assert/strict";
import { type KeySpace, keySpace } from "../../src/stores/kv/keys.ts";
import { Api } from "../_harness/api.ts";
import { startServer } from "../_harness/server.ts";
import { runTask } from "./_run_task.ts";

const SCRIPTS = ["seed", "admin:create", "report", "export", "rotate-keys", "purge"];
const anchor = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
const shift = (days: number) =>
  new Date(Date.parse(anchor) + days * 86_400_000).toISOString().slice(0, 10);
const SEED = ["--doctors", "12", "--patients", "15", "--appointments", "60", "--seed", "7"];
const WINDOW = ["--anchor", anchor, "--days", "3"];

async function countKeys(kvPath: string, space: KeySpace): Promise<number> {
  const kv = await Deno.openKv(kvPath);
  try {
    let n = 0;
    for await (const _ of kv.list({ prefix: keySpace(space) })) n++;
    return n;
  } finally {
    kv.close();
  }
}

Deno.test("every script answers --help with its usage and exit 0", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-ops-" });
  for (const name of SCRIPTS) {
    const res = await runTask(name, ["--help"], dir);
    assert.equal(res.code, 0, `${name}: ${res.stderr}`);
    assert.match(res.stdout, /^Usage: deno task /, name);
    assert.match(res.stdout, /--help/, name);
  }
});

Deno.test("bad arguments exit 2 with a message naming the problem", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-ops-" });
  const cases: [string, string[], RegExp][] = [
    ["seed", ["--doctors", "many"], /--doctors: .*number/],
    ["seed", ["--colour", "red"], /unknown option --colour/],
    ["report", ["--date", "2026-13-45"], /--date: not a real date|--date: expected/],
    ["report", ["--from", "2026-01-02"], /either --date, or both --from and --to/],
    ["report", ["--date", "2026-01-02", "--format", "xml"], /--format/],
    ["export", ["--from", "2026-01-05", "--to", "2026-01-01"], /after/],
    ["admin:create", ["--phone", "98123"], /E\.164/],
    ["purge", ["--retention-days", "3"], /--retention-days/],
    ["purge", ["--only", "everything"], /unknown category everything/],
    ["rotate-keys", ["--what", "passwords"], /--what/],
  ];
  for (const [name, args, message] of cases) {
    const res = await runTask(name, args, dir);
    assert.notEqual(res.code, 0, `${name} ${args.join(" ")} should fail`);
    assert.match(res.stderr, message, `${name} ${args.join(" ")}: ${res.stderr}`);
    assert.doesNotMatch(res.stderr, /\n\s+at /, "no stack trace");
  }
});

Deno.test("seed → report → export on a temp KV", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-ops-" });
  const kvPath = `${dir}/data/vaidya.kv`;

  await t.step("seed --dry-run writes nothing", async () => {
    const res = await runTask("seed", [...SEED, "--dry-run"], dir);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /dry run: would create 12 doctors/);
    await Deno.mkdir(`${dir}/data`, { recursive: true });
    assert.equal(await countKeys(kvPath, "doctor"), 0);
  });

  await t.step(
    "seed creates doctors, patients and appointments; a re-run adds nothing",
    async () => {
      const first = await runTask("seed", [...SEED, ...WINDOW], dir);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /seeded 12 doctors \(0 already there\), 15 patients/);
      assert.equal(await countKeys(kvPath, "doctor"), 12);
      const apps = await countKeys(kvPath, "appointment");
      assert.ok(apps > 20, `${apps} appointments`);
      const again = await runTask("seed", [...SEED, ...WINDOW], dir);
      assert.match(
        again.stdout,
        /seeded 0 doctors \(12 already there\), 0 patients \(15 already there\), 0 appointments \(\d+ already there/,
        "a re-run reports nothing added",
      );
      assert.equal(await countKeys(kvPath, "doctor"), 12);
      assert.equal(await countKeys(kvPath, "appointment"), apps);
    },
  );

  const range = ["--from", shift(-3), "--to", shift(3)];
  let exported: Record<string, string | null>[] = [];

  await t.step("export streams JSON lines without phones or medical text", async () => {
    const res = await runTask("export", [...range, "--format", "jsonl"], dir);
    assert.equal(res.code, 0, res.stderr);
    exported = res.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(exported.length, await countKeys(kvPath, "appointment"));
    assert.doesNotMatch(res.stdout, /\+91\d|phone/i);
    assert.doesNotMatch(res.stdout, /Demo consultation|reason/);
    const statuses = new Set(exported.map((r) => r.status));
    assert.ok(statuses.has("cancelled") && statuses.size >= 3, [...statuses].join());
  });

  await t.step("export --include-medical warns and adds the reason; CSV to --out", async () => {
    const out = `${dir}/out/appointments.csv`;
    const res = await runTask("export", [...range, "--include-medical", "--out", out], dir);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /WARNING: --include-medical/);
    const csv = (await Deno.readTextFile(out)).trim().split("\n");
    assert.match(csv[0], /^id,doctorId,.*,reason,notes,cancelReason$/);
    assert.equal(csv.length, exported.length + 1);
    assert.match(csv[1], /Demo consultation/);

    await Deno.writeTextFile(out, "an earlier export\n");
    const refused = await runTask("export", [...range, "--out", out], dir);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /exists\. Overwrite it\? Refusing without a terminal; pass --yes/);
    assert.equal(await Deno.readTextFile(out), "an earlier export\n", "the file is untouched");
    const replaced = await runTask("export", [...range, "--out", out, "--yes"], dir);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(await Deno.readTextFile(out), /^id,doctorId,/);
  });

  await t.step("the same --seed gives the same data in another store", async () => {
    const other = await Deno.makeTempDir({ prefix: "vaidya-ops-" });
    assert.equal((await runTask("seed", [...SEED, ...WINDOW], other)).code, 0);
    const res = await runTask("export", [...range, "--format", "jsonl"], other);
    const pick = (rows: Record<string, string | null>[]) =>
      rows.map((r) => `${r.id} ${r.doctorName} ${r.start} ${r.status}`).sort();
    assert.deepEqual(pick(res.stdout.trim().split("\n").map((l) => JSON.parse(l))), pick(exported));
  });

  await t.step("report counts match the export; CSV and SVG outputs", async () => {
    const res = await runTask("report", [...range, "--by", "city", "--format", "csv"], dir);
    assert.equal(res.code, 0, res.stderr);
    const [header, ...rows] = res.stdout.trim().split("\n");
    assert.equal(
      header,
      "group,bookings,cancellations,no_shows,completed,booked_minutes,offered_minutes,utilisation_pct",
    );
    const sum = (i: number) => rows.reduce((n, r) => n + Number(r.split(",")[i]), 0);
    assert.equal(sum(1), exported.length);
    assert.equal(sum(2), exported.filter((r) => r.status === "cancelled").length);
    assert.equal(sum(3), exported.filter((r) => r.status === "no_show").length);
    for (const r of rows) {
      const pct = Number(r.split(",")[7]);
      assert.ok(pct >= 0 && pct <= 100, r);
    }
    const svg = `${dir}/out/utilisation.svg`;
    const table = await runTask("report", ["--date", anchor, "--svg", svg], dir);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^group\s+bookings\s+cancellations/);
    const image = await Deno.readTextFile(svg);
    assert.match(image, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(image, /<rect /);
  });

  await t.step(
    "admin:create grants admin at the next login, without printing the phone",
    async () => {
      const phone = "+919811122233";
      const dry = await runTask("admin:create", ["--phone", phone, "--dry-run"], dir);
      assert.match(dry.stdout, /not a granted admin/);
      assert.equal(await countKeys(kvPath, "admin_by_phone"), 0);
      const res = await runTask("admin:create", ["--phone", phone, "--note", "ops lead"], dir);
      assert.equal(res.code, 0, res.stderr);
      assert.ok(!res.stdout.includes(phone.slice(3)) && !res.stderr.includes(phone.slice(3)));
      await using server = await startServer({ kvPath, env: { ADMIN_PHONES: "" } });
      const session = await new Api(server.url).login(phone);
      assert.equal(session.user.role, "admin");
      const revoke = await runTask("admin:create", ["--phone", phone, "--revoke"], dir);
      assert.notEqual(revoke.code, 0, "revoking asks; without a terminal it refuses");
      assert.match(revoke.stderr, /--yes/);
    },
  );
});
