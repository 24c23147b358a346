import assert from "node:assert/strict";
import { exportJWK, generateKeyPair } from "jose";
import { UnauthenticatedError } from "../../src/errors.ts";
import { createTokenService } from "../../src/auth/token_service.ts";

async function service(now: () => number, live: Set<string>) {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  return await createTokenService({
    privateJwks: [{ ...await exportJWK(privateKey), kid: "k1" }],
    issuer: "vaidya",
    audience: "vaidya-api",
    accessTtlSeconds: 900,
    isSessionLive: (sid) => Promise.resolve(live.has(sid)),
    now,
  });
}

Deno.test("verifyAccess() on a remembered token still refuses it once expired or its session ended", async () => {
  let clock = Date.UTC(2026, 11, 1, 4, 0);
  const live = new Set(["s1"]);
  const tokens = await service(() => clock, live);
  const token = await tokens.signAccess({ id: "pat_1", role: "patient" }, "s1");
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(await tokens.verifyAccess(token), {
      id: "pat_1",
      role: "patient",
      sessionId: "s1",
    });
  }
  // A token differing in one signature character is not the remembered one.
  const forged = token.slice(0, -2) + (token.at(-2) === "A" ? "B" : "A") + token.at(-1);
  await assert.rejects(tokens.verifyAccess(forged), UnauthenticatedError);
  live.delete("s1");
  await assert.rejects(tokens.verifyAccess(token), /session has ended/);
  live.add("s1");
  clock += 900_000;
  await assert.rejects(tokens.verifyAccess(token), /invalid or expired/);
  await assert.rejects(tokens.verifyAccess(token), /invalid or expired/);
});
