/**
 * Whether a compare-and-set update is atomic on the rig's FerretDB: each round inserts one
 * document at version 1, then `RACERS` clients at once `replaceOne({_id, version: 1}, …)`. MongoDB
 * lets exactly one match; FerretDB 1.24 reads a document and writes it back in two steps, so two may.
 * Prints, per Go setting of the environment (tests/_harness/ferretdb.ts, e.g. `GOMAXPROCS=2`), how
 * many rounds had more than one winner. Asserts nothing: it explains docs/BENCHMARKS.md (issue 15)
 * and the README's MongoDB section. Usage: [GOMAXPROCS=N] deno run -A scripts/load/ferretdb_cas_probe.ts
 */
import { MongoClient } from "mongodb";
import { startFerretDb } from "../../tests/_harness/ferretdb.ts";

const ROUNDS = 50;
const RACERS = 10;

const ferret = await startFerretDb();
const client = new MongoClient(ferret.uri, { maxPoolSize: RACERS * 2 });
try {
  const col = client.db(ferret.database()).collection<{ _id: string; version: number }>("cas");
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const _id = `a${round}`;
    await col.insertOne({ _id, version: 1 });
    const answers = await Promise.all(
      Array.from({ length: RACERS }, () => col.replaceOne({ _id, version: 1 }, { version: 2 })),
    );
    rounds.push(answers.filter((a) => a.matchedCount === 1).length);
  }
  const several = rounds.filter((w) => w > 1).length;
  console.log(
    `GOMAXPROCS=${Deno.env.get("GOMAXPROCS") ?? "(the harness's)"}: ${several} of ${ROUNDS} ` +
      `rounds had more than one winner among ${RACERS} compare-and-sets (most: ${
        Math.max(...rounds)
      })`,
  );
} finally {
  await client.close();
  await ferret.stop();
}
