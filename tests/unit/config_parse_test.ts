/**
 * loadConfig parses the environment once, without zod's compiled fast path (issue 15: building it
 * cost more than the one parse). Whether compiled or not, the same environment must give the same
 * configuration and the same issues.
 */
import assert from "node:assert/strict";
import { ConfigError, configSchema, loadConfig } from "../../src/config/config.ts";

const valid = {
  APP_ENV: "test",
  PORT: "8123",
  KV_PATH: "/tmp/config-parse-test.kv",
  ADMIN_PHONES: "+919812345678, +14155550123",
  RATE_LIMIT_DISABLED: "1",
  CORS_ORIGINS: "https://clinic.example",
  TURN_URLS: "stun:stun.example:3478",
  CLOCK_OFFSET_MS: "-5000",
};

const invalid = {
  APP_ENV: "staging",
  PORT: "80.5",
  HOLD_TTL_SECONDS: "0",
  OTP_MAX_ATTEMPTS: "11",
  ADMIN_PHONES: "+919812345678,12345",
  BOOK_EMBED_ORIGINS: "https://a.example/path",
  RATE_LIMIT_DISABLED: "yes",
  PUBLIC_BASE_URL: "not a url",
};

Deno.test("loadConfig gives what the compiled parse of the same environment gives", () => {
  const compiled = configSchema.safeParse(valid);
  assert.ok(compiled.success, JSON.stringify(compiled.error?.issues));
  assert.deepEqual(loadConfig(valid), { ...compiled.data, KV_PATH: valid.KV_PATH });
  assert.deepEqual(loadConfig(valid).ADMIN_PHONES, ["+919812345678", "+14155550123"]);
});

Deno.test("loadConfig names the same bad variables with the same messages as the compiled parse", () => {
  const compiled = configSchema.safeParse(invalid);
  assert.equal(compiled.success, false);
  const expected = compiled.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  assert.ok(expected.length >= 8, expected.join("\n"));
  assert.throws(() => loadConfig(invalid), (err) => {
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.problems, expected);
    return true;
  });
});

Deno.test("loadConfig() names MONGODB_URI and KV_PATH when they could never connect, without echoing them", () => {
  const bad: Record<string, string>[] = [
    { MONGODB_URI: "mongodb://" },
    { MONGODB_URI: "mongdb://vaidya:s3cret@db.internal:27017/vaidya" },
    { MONGODB_URI: "mongodb+srv://vaidya:s3cret@/vaidya" },
    { KV_PATH: "http://" },
    { KV_PATH: "ftp://kv.internal:4512" },
  ];
  for (const env of bad) {
    const [name, value] = Object.entries(env)[0];
    assert.throws(() => loadConfig({ ...valid, ...env }), (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.ok(err.problems.some((p) => p.startsWith(`${name}:`)), err.problems.join("; "));
      if (value.includes("@")) {
        assert.ok(!err.message.includes(value), "the problem must not echo the value");
        assert.ok(!err.message.includes("s3cret"), "the problem must not echo a credential");
      }
      return true;
    });
  }
  for (
    const good of [
      { MONGODB_URI: "mongodb://127.0.0.1:27017/" },
      { MONGODB_URI: "mongodb://u:p%40ss@h1:27017,h2:27018/vaidya?replicaSet=rs0" },
      { MONGODB_URI: "mongodb+srv://u:p@cluster0.abcde.mongodb.net/?retryWrites=true" },
      { KV_PATH: "http://127.0.0.1:4512" },
      { KV_PATH: "https://api.deno.com/databases/x/connect" },
      { KV_PATH: ":memory:" },
      { KV_PATH: "./data/vaidya.kv" },
    ]
  ) {
    assert.doesNotThrow(() => loadConfig({ ...valid, ...good }), JSON.stringify(good));
  }
});
