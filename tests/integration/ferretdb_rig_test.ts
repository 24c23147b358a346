/**
 * The FerretDB the tests and load runs start (tests/_harness/ferretdb.ts) runs Go's collector at
 * GOGC=400 unless the environment sets GOGC, read from the running process's own environment.
 */
import assert from "node:assert/strict";
import { FERRETDB_GOGC, startFerretDb } from "../_harness/ferretdb.ts";

async function gogcOf(pid: number): Promise<string | undefined> {
  const environ = await Deno.readTextFile(`/proc/${pid}/environ`);
  return environ.split("\0").find((v) => v.startsWith("GOGC="))?.slice("GOGC=".length);
}

Deno.test("ferretdb rig: Go's collector at GOGC=400, or as the environment sets it", async () => {
  const outer = Deno.env.get("GOGC");
  const server = await startFerretDb();
  try {
    if (!server.embedded) return; // MONGODB_URI: an outside server, not this rig's.
    const pid = server.pid();
    assert.ok(pid !== null);
    assert.equal(await gogcOf(pid), outer ?? FERRETDB_GOGC);
    await server.halt();
    assert.equal(server.pid(), null);
    await server.restart();
    assert.equal(await gogcOf(server.pid()!), outer ?? FERRETDB_GOGC);
  } finally {
    await server.stop();
  }
  Deno.env.set("GOGC", "150");
  const set = await startFerretDb();
  try {
    if (set.embedded) assert.equal(await gogcOf(set.pid()!), "150");
  } finally {
    await set.stop();
    if (outer === undefined) Deno.env.delete("GOGC");
    else Deno.env.set("GOGC", outer);
  }
});
