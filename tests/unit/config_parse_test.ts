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
