/**
 * The FerretDB the tests and load runs start (tests/_harness/ferretdb.ts) runs Go with GOGC=400
 * and GOMAXPROCS=1, each unless the environment sets it, read from the running process's own
 * environment.
 */
import assert from "node:assert/strict";
import { FERRETDB_GO_ENV, startFerretDb } from "../_harness/ferretdb.ts";

type GoName = keyof typeof FERRETDB_GO_ENV;
const NAMES = Object.keys(FERRETDB_GO_ENV) as GoName[];

async function goEnvOf(pid: number): Promise<Record<GoName, string | undefined>> {
  const environ = (await Deno.readTextFile(`/proc/${pid}/environ`)).split("\0");
  const out = {} as Record<GoName, string | undefined>;
  for (const name of NAMES) {
    out[name] = environ.find((v) => v.startsWith(`${name}=`))?.slice(name.length + 1);
  }
  return out;
}

/** What the rig should give FerretDB: the environment's setting, else the harness's. */
function expected(): Record<GoName, string> {
  const out = {} as Record<GoName, string>;
  for (const name of NAMES) out[name] = Deno.env.get(name) ?? FERRETDB_GO_ENV[name];
  return out;
}

Deno.test("ferretdb rig: Go at GOGC=400 and GOMAXPROCS=1, or as the environment sets them", async () => {
  const outer = Object.fromEntries(NAMES.map((n) => [n, Deno.env.get(n)]));
  const server = await startFerretDb();
  try {
    if (!server.embedded) return; // MONGODB_URI: an outside server, not this rig's.
    const pid = server.pid();
    assert.ok(pid !== null);
    assert.deepEqual(await goEnvOf(pid), expected());
    await server.halt();
    assert.equal(server.pid(), null);
    await server.restart();
    assert.deepEqual(await goEnvOf(server.pid()!), expected());
  } finally {
    await server.stop();
  }
  Deno.env.set("GOGC", "150");
  Deno.env.set("GOMAXPROCS", "2");
  const set = await startFerretDb();
  try {
    if (set.embedded) {
      assert.deepEqual(await goEnvOf(set.pid()!), { GOGC: "150", GOMAXPROCS: "2" });
    }
  } finally {
    await set.stop();
    for (const name of NAMES) {
      const value = outer[name];
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
  }
});
