/**
 * `deno task upstash-bridge` as an operator runs it: the task's own permission flags, a real
 * redis-server, the real `@upstash/redis` client, JSON log lines, and SIGTERM ending it cleanly.
 */
import assert from "node:assert/strict";
import { Redis } from "@upstash/redis";
import { startRedis } from "../_harness/redis.ts";
import { spawnTask } from "./_run_task.ts";

async function readLines(stream: ReadableStream<Uint8Array>, into: string[]): Promise<void> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop() ?? "";
    into.push(...parts);
  }
  if (rest) into.push(rest);
}

Deno.test("deno task upstash-bridge serves @upstash/redis and stops on SIGTERM", async () => {
  const redis = await startRedis();
  const dir = await Deno.makeTempDir({ prefix: "vaidya-bridge-cli-" });
  const token = `cli-${crypto.randomUUID()}`;
  const child = spawnTask(
    "upstash-bridge",
    ["--port", "0", "--redis", redis.url],
    dir,
    { UPSTASH_BRIDGE_TOKEN: token },
    "piped",
  );
  const lines: string[] = [];
  const reading = readLines(child.stdout, lines);
  const stderr = new Response(child.stderr).text();
  try {
    const deadline = Date.now() + 20_000;
    while (!lines.some((l) => l.includes('"listening"')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const listening = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "listening");
    assert.ok(listening, `no "listening" line in 20 s; stdout: ${lines.join("\n")}`);
    assert.equal(listening.tokenSource, "env");
    assert.equal(listening.token, undefined, "a real token never reaches the log");
    const client = new Redis({ url: listening.url, token, enableTelemetry: false });
    assert.equal(await client.set("cli", "ok"), "OK");
    assert.deepEqual(await client.hgetall("missing"), null);
    await client.hset("h", { a: "1" });
    assert.deepEqual(await client.hgetall("h"), { a: 1 });
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    await reading;
    const errors = await stderr;
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
    assert.equal(status.code, 0, `exit ${status.code}; stderr: ${errors}`);
  }
  for (const line of lines) JSON.parse(line); // every line is JSON
  assert.deepEqual(lines.map((l) => JSON.parse(l).msg).slice(-2), ["stopping", "stopped"]);
});
