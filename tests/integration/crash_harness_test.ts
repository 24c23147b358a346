/**
 * The faults the load harness injects into FerretDB and Redis (scripts/load/faults.ts) are real
 * crashes: the process ends by SIGKILL (no shutdown path runs), and it comes back on the same
 * port; FerretDB with its data.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startFerretDb } from "../_harness/ferretdb.ts";
import { pingRedis, startRedis } from "../_harness/redis.ts";

Deno.test("FerretDB crash(): SIGKILL, then restart() on the same port with the data", async () => {
  const mongo = await startFerretDb();
  try {
    if (!mongo.embedded) return; // an outside server cannot be crashed from here
    const db = mongo.database();
    const client = await MongoClient.connect(mongo.uri, { serverSelectionTimeoutMS: 5_000 });
    await client.db(db).collection("t").insertOne({ _id: "kept" } as never);
    await client.close();
    const ended = await mongo.crash();
    assert.equal(ended?.signal, "SIGKILL");
    await mongo.restart();
    const again = await MongoClient.connect(mongo.uri, { serverSelectionTimeoutMS: 5_000 });
    try {
      assert.ok(await again.db(db).collection("t").findOne({ _id: "kept" } as never));
    } finally {
      await again.close();
    }
  } finally {
    await mongo.stop();
  }
});

Deno.test("Redis crashAndRestart(): SIGKILL, then a fresh server on the same port", async () => {
  const redis = await startRedis();
  try {
    const ended = await redis.crashAndRestart();
    assert.equal(ended?.signal, "SIGKILL");
    assert.equal(await pingRedis(redis.port), "PONG");
  } finally {
    await redis.stop();
  }
});
