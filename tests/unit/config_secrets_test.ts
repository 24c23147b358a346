/**
 * A configured secret that cannot work (a short HMAC secret, a data key that is not 32 bytes, a
 * JWKS that is no list of private keys) is a bad value like any other: loadConfig refuses it with
 * a ConfigError naming the variable, so start-up stops with exit code 78 and "invalid
 * configuration" instead of failing later with a message naming neither.
 */
import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../../src/config/config.ts";

const KEY32 = btoa("k".repeat(32));

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ APP_ENV: "test", ...env });
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

Deno.test("loadConfig() refuses secrets that cannot work, naming the variable", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ HMAC_SECRET: btoa("short") }, /^HMAC_SECRET: .*32 bytes/],
    [{ HMAC_SECRET: "not base64 at all!" }, /^HMAC_SECRET: /],
    [{ DATA_ENCRYPTION_KEYS: `k1:${btoa("short")}` }, /^DATA_ENCRYPTION_KEYS: .*k1.*32 bytes/],
    [{ DATA_ENCRYPTION_KEYS: `k1:${KEY32},nokey` }, /^DATA_ENCRYPTION_KEYS: /],
    [{ JWT_PRIVATE_JWKS: "{not json" }, /^JWT_PRIVATE_JWKS: /],
    [{ JWT_PRIVATE_JWKS: '[{"kid":"a"}]' }, /^JWT_PRIVATE_JWKS: /],
    // Two keys under one kid: jose finds both for a token's kid and verifies with neither, so
    // every token was 401 on each instance but the one that signed it (which remembers its own).
    [
      { JWT_PRIVATE_JWKS: JSON.stringify([{ kid: "a", d: "d1" }, { kid: "a", d: "d2" }]) },
      /^JWT_PRIVATE_JWKS: .*kid "a"/,
    ],
  ];
  for (const [env, problem] of cases) {
    const problems = problemsOf(env);
    assert.ok(problems.some((p) => problem.test(p)), `${JSON.stringify(env)}: ${problems}`);
  }
});

Deno.test("loadConfig() takes well-formed secrets", () => {
  assert.deepEqual(
    problemsOf({
      HMAC_SECRET: KEY32,
      DATA_ENCRYPTION_KEYS: `k2:${KEY32},k1:${KEY32}`,
      JWT_PRIVATE_JWKS: JSON.stringify([{ kty: "OKP", crv: "Ed25519", kid: "a", x: "x", d: "d" }]),
    }),
    [],
  );
});
