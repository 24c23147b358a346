/**
 * The nginx example resends a POST that may have reached an instance only when it carries an
 * `Idempotency-Key` and its route honours the key (deploy/nginx/vaidya.conf, map
 * `$vaidya_keyed_post`). Its list of routes must stay the app's: a route that took the key but was
 * missing from it got a 502 from a rolling restart, and a route listed that did not take the key
 * would run twice (a resent refresh ends the patient's sessions).
 */
import assert from "node:assert/strict";
import { startApp } from "../_harness/app.ts";
import { NGINX_SITE } from "../_harness/nginx.ts";

function keyedPostPattern(site: string): RegExp {
  const map =
    /map "\$request_method \$request_uri \$http_idempotency_key" \$vaidya_keyed_post \{\n\s*default 0;\n\s*"~([^"]+)" 1;\n\}/
      .exec(site);
  if (!map) throw new Error(`${NGINX_SITE}: no $vaidya_keyed_post map of the expected shape`);
  return new RegExp(map[1]);
}

Deno.test({
  name: "nginx example: keyed POSTs it may resend are exactly the routes that honour the key",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const pattern = keyedPostPattern(await Deno.readTextFile(NGINX_SITE));
    await using app = await startApp();
    const res = await app.fetch(new Request("http://localhost/openapi.json"));
    const doc = await res.json() as {
      paths: Record<string, Record<string, { parameters?: { name?: string }[] }>>;
    };
    const wrong: string[] = [];
    let keyed = 0;
    for (const [path, operations] of Object.entries(doc.paths)) {
      const uri = path.replace(/\{[^}]+\}/g, "apt_01m90rka2bfxcgps14vc46z3mz");
      for (const [method, operation] of Object.entries(operations)) {
        const takesKey = (operation.parameters ?? []).some((p) => p.name === "Idempotency-Key");
        if (takesKey) keyed++;
        const line = `${method.toUpperCase()} ${uri}`;
        const resent = pattern.test(`${line} k1`) && pattern.test(`${line}?x=1 k1`);
        const wanted = takesKey && method === "post";
        if (resent !== wanted) wrong.push(`${line}: resent ${resent}, takes the key ${takesKey}`);
        if (pattern.test(`${line} `)) wrong.push(`${line}: resent without a key`);
      }
    }
    assert.ok(keyed >= 5, `only ${keyed} operations take Idempotency-Key; reading the doc broke`);
    assert.deepEqual(wrong, []);
  },
});
