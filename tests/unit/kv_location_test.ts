import assert from "node:assert/strict";
import {
  isDenoDeploy,
  isDenoKvSqlite,
  isKvFile,
  isRemoteKv,
  kvLocation,
  LOCAL_KV_FILE,
} from "../../src/config/kv_location.ts";
import { ConfigError, loadConfig } from "../../src/config/config.ts";

Deno.test("kvLocation() is the local file when nothing says otherwise", () => {
  assert.equal(kvLocation({}), LOCAL_KV_FILE);
  assert.equal(kvLocation({ DENO_DEPLOY: "false", CI: "1" }), LOCAL_KV_FILE);
  assert.equal(loadConfig({}).KV_PATH, "./data/vaidya.kv");
});

Deno.test("kvLocation() opens the platform's database (no path) on the new Deno Deploy", () => {
  const deployed = {
    DENO_DEPLOY: "true",
    DENO_DEPLOYMENT_ID: "c0ffee",
    DENO_TIMELINE: "production",
  };
  assert.equal(isDenoDeploy(deployed), true);
  assert.equal(kvLocation(deployed), undefined);
  assert.equal(kvLocation({ DENO_DEPLOYMENT_ID: "abc" }), undefined, "Classic-style id alone");
  assert.equal(loadConfig(deployed).KV_PATH, undefined);
});

Deno.test("kvLocation() lets an explicit KV_PATH win, also on Deno Deploy", () => {
  const url = "http://vaidya-kv.internal:4512";
  assert.equal(kvLocation({ DENO_DEPLOY: "true", KV_PATH: url }), url);
  assert.equal(kvLocation({ KV_PATH: ":memory:" }), ":memory:");
  assert.equal(kvLocation({ KV_PATH: "" }), LOCAL_KV_FILE, "an empty value is unset");
});

Deno.test("isRemoteKv() is true for KV Connect URLs and the platform's database only", () => {
  assert.equal(isRemoteKv(undefined), true);
  assert.equal(isRemoteKv("http://127.0.0.1:4512"), true);
  assert.equal(isRemoteKv("https://api.deno.com/v2/databases/x/connect"), true);
  assert.equal(isRemoteKv("./data/vaidya.kv"), false);
  assert.equal(isRemoteKv(":memory:"), false);
});

Deno.test("loadConfig() refuses METRICS_PORT equal to PORT and a drain longer than shutdown", () => {
  assert.throws(() => loadConfig({ PORT: "8000", METRICS_PORT: "8000" }), ConfigError);
  assert.throws(
    () => loadConfig({ DRAIN_DELAY_MS: "5000", SHUTDOWN_TIMEOUT_MS: "5000" }),
    /DRAIN_DELAY_MS/,
  );
  assert.equal(loadConfig({ METRICS_PORT: "9091" }).METRICS_PORT, 9091);
});

Deno.test("isKvFile() is true for a file path only: not :memory:, a server URL or the platform's", () => {
  assert.equal(isKvFile("./data/vaidya.kv"), true);
  assert.equal(isKvFile("/tmp/x/kv.sqlite3"), true);
  assert.equal(isKvFile(":memory:"), false);
  assert.equal(isKvFile("http://127.0.0.1:4512"), false);
  assert.equal(isKvFile("https://api.deno.com/databases/x/connect"), false);
  assert.equal(isKvFile(undefined), false);
});

Deno.test("isDenoKvSqlite() is true for a file, :memory: and a denokv server over http, not for Deno Deploy's database", () => {
  assert.equal(isDenoKvSqlite("./data/vaidya.kv"), true);
  assert.equal(isDenoKvSqlite(":memory:"), true);
  assert.equal(isDenoKvSqlite("http://127.0.0.1:4512"), true);
  assert.equal(isDenoKvSqlite(undefined), false);
  assert.equal(isDenoKvSqlite("https://api.deno.com/databases/x/connect"), false);
});
