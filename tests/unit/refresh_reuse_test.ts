/**
 * The refresh reuse grace as a rule (src/domain/refresh_reuse.ts), and its setting: a second use
 * of a rotated token within the grace gets a sibling, a bounded number of times; later, or with
 * the grace off, it is reuse. REFRESH_REUSE_GRACE_SECONDS is validated like every setting.
 */
import assert from "node:assert/strict";
import { judgePresentation, MAX_GRACED_REISSUES } from "../../src/domain/refresh_reuse.ts";
import { ConfigError, loadConfig } from "../../src/config/config.ts";

const ROTATED = 1_000_000;
const GRACE = 10_000;

Deno.test("judgePresentation() rotates a token not used yet, whatever the grace", () => {
  assert.equal(judgePresentation({ rotatedAtMs: null }, ROTATED, GRACE), "rotate");
  assert.equal(judgePresentation({ rotatedAtMs: null }, ROTATED, 0), "rotate");
});

Deno.test("judgePresentation() graces a rotated token until the grace ends, then calls it reuse", () => {
  const at = (ms: number) => judgePresentation({ rotatedAtMs: ROTATED }, ms, GRACE);
  assert.equal(at(ROTATED), "grace");
  assert.equal(at(ROTATED + GRACE - 1), "grace");
  assert.equal(at(ROTATED + GRACE), "reuse");
  assert.equal(at(ROTATED + 86_400_000), "reuse");
  assert.equal(at(ROTATED - 500), "grace", "another instance's clock a little behind");
});

Deno.test("judgePresentation() with the grace off calls every second use reuse", () => {
  assert.equal(judgePresentation({ rotatedAtMs: ROTATED }, ROTATED, 0), "reuse");
});

Deno.test("judgePresentation() stops gracing a token after MAX_GRACED_REISSUES siblings", () => {
  const judge = (n: number) =>
    judgePresentation({ rotatedAtMs: ROTATED, gracedReissues: n }, ROTATED + 1, GRACE);
  assert.equal(judge(MAX_GRACED_REISSUES - 1), "grace");
  assert.equal(judge(MAX_GRACED_REISSUES), "reuse");
});

Deno.test("REFRESH_REUSE_GRACE_SECONDS is off by default (the contract: reuse is 401), up to 60 s, bad values stop start-up", () => {
  const base = { APP_ENV: "test", KV_PATH: ":memory:" };
  assert.equal(loadConfig(base).REFRESH_REUSE_GRACE_SECONDS, 0);
  assert.equal(
    loadConfig({ ...base, REFRESH_REUSE_GRACE_SECONDS: "10" }).REFRESH_REUSE_GRACE_SECONDS,
    10,
  );
  for (const bad of ["-1", "61", "2.5", "soon"]) {
    assert.throws(
      () => loadConfig({ ...base, REFRESH_REUSE_GRACE_SECONDS: bad }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.ok(
          err.problems.some((p) => p.startsWith("REFRESH_REUSE_GRACE_SECONDS")),
          `${bad}: ${err.problems.join("; ")}`,
        );
        return true;
      },
    );
  }
});
