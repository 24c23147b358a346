/**
 * Problem `title`/`detail` follow `Accept-Language` on every error answer, not only on the ones a
 * handler raises: an unknown path (404), a known path with another method (405, `Allow` kept) and a
 * body that is not JSON (400) answer a Hindi reader in Hindi, with `code` unchanged, and a body
 * that is not JSON has the same English title as every other `validation_failed`. In-process app.
 */
import assert from "node:assert/strict";
import { startAppWithDoctor } from "../_harness/app.ts";
import { assertProblem } from "../_harness/problem.ts";

const HINDI = { "accept-language": "hi-IN, en;q=0.5" };

Deno.test("problems the router and the body parser answer follow Accept-Language too", async (t) => {
  await using app = await startAppWithDoctor();
  const { api, token, doctor } = app;
  const badJson = (headers: Record<string, string>) =>
    api.request("POST", "/v1/holds", {
      token,
      raw: '{"doctorId": ',
      headers: { "content-type": "application/json", ...headers },
    });

  await t.step("in Hindi, with the same codes", async () => {
    const answers = [
      [await api.request("GET", "/v1/nothing-here", { headers: HINDI }), 404, "not_found"],
      [
        await api.request("DELETE", `/v1/doctors/${doctor.id}`, { headers: HINDI }),
        405,
        "method_not_allowed",
      ],
      [await badJson(HINDI), 400, "validation_failed"],
    ] as const;
    for (const [res, status, code] of answers) {
      assertProblem(res, status, code);
      assert.equal(res.headers.get("content-language"), "hi", code);
      assert.match(res.headers.get("vary") ?? "", /Accept-Language/, code);
      const body = res.body as { title: string; detail: string };
      assert.match(body.title + body.detail, /[\u0900-\u097F]/, `${code}: ${JSON.stringify(body)}`);
    }
    assert.ok(answers[1][0].headers.get("allow")?.split(", ").includes("GET"));
  });

  await t.step(
    "in English, a body that is not JSON has validation_failed's usual title",
    async () => {
      const res = await badJson({});
      assertProblem(res, 400, "validation_failed");
      assert.equal(res.headers.get("content-language"), "en");
      const known = await api.request("GET", "/v1/doctors?limit=0");
      assert.equal((res.body as { title: string }).title, (known.body as { title: string }).title);
    },
  );
});
