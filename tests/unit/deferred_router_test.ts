/**
 * The router the app starts with (src/http/deferred_router.ts) answers its first match without
 * compiling, then hands over to Hono's compiled default: both must find the same handlers, in the
 * same order, with the same parameters, for every route of the app.
 */
import assert from "node:assert/strict";
import type { Result, Router } from "hono/router";
import { createApp } from "../../src/app.ts";
import { compiledRouter, DeferredRouter, interimRouter } from "../../src/http/deferred_router.ts";
import { startApp } from "../_harness/app.ts";

/** A match as [handler, params] pairs, whichever of Hono's two result shapes the router gives. */
function matched<T>([found, stash]: Result<T>): [T, Record<string, string>][] {
  return found.map(([handler, params]) => {
    const values: Record<string, string> = {};
    for (const [name, at] of Object.entries(params as Record<string, string | number>)) {
      values[name] = stash ? stash[at as number] : at as string;
    }
    return [handler, values];
  });
}

/** Paths a route's pattern stands for: each parameter and wildcard filled in a few ways. */
function pathsOf(pattern: string): string[] {
  return ["abc", "doc_01JABC", "123", "2026-12-01"].map((value) =>
    pattern.replace(/:[A-Za-z_]+(\{[^}]*\})?\??/g, value).replace(/\*/g, `${value}/x`)
  );
}

Deno.test("interimRouter() and compiledRouter() find the same handlers and parameters for every route of the app", async () => {
  await using app = await startApp();
  const routes = createApp(app.runtime.deps).routes;
  assert.ok(routes.length > 200, `${routes.length} routes`);
  const interim = interimRouter<number>();
  const compiled = compiledRouter<number>();
  routes.forEach((route, i) => {
    interim.add(route.method, route.path, i);
    compiled.add(route.method, route.path, i);
  });
  const methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];
  const paths = [...new Set(routes.flatMap((r) => pathsOf(r.path))), "/", "/nowhere", "/v1/x/y/z"];
  let withHandlers = 0;
  for (const method of methods) {
    for (const path of paths) {
      const expected = matched(compiled.match(method, path));
      assert.deepEqual(matched(interim.match(method, path)), expected, `${method} ${path}`);
      if (expected.length > 3) withHandlers++;
    }
  }
  // Both compiled as Hono's default does (no fallback), and routes, not only middleware, matched.
  assert.equal(compiled.name, "SmartRouter + RegExpRouter");
  assert.equal(interim.name, "SmartRouter + LinearRouter");
  assert.ok(withHandlers > routes.length / 2, `${withHandlers} matches beyond middleware`);
});

Deno.test("DeferredRouter matches first without compiling, compiles on the second match or build(), and then takes no route", () => {
  const fresh = () => {
    const router = new DeferredRouter<string>();
    router.add("ALL", "*", "every");
    router.add("GET", "/doctors/:id", "doctor");
    return router;
  };
  const expected = [["every", {}], ["doctor", { id: "d1" }]];
  const first = fresh();
  assert.deepEqual(matched(first.match("GET", "/doctors/d1")), expected);
  assert.equal(first.name, "SmartRouter + LinearRouter");
  assert.deepEqual(matched(first.match("GET", "/doctors/d1")), expected);
  assert.equal(first.name, "SmartRouter + RegExpRouter");
  assert.throws(() => first.add("GET", "/late", "late"), /Cannot add a route/);

  const built = fresh();
  built.build();
  built.build();
  assert.equal(built.name, "SmartRouter + RegExpRouter");
  assert.deepEqual(matched(built.match("GET", "/doctors/d1")), expected);
  assert.deepEqual(matched(built.match("POST", "/doctors/d1")), [["every", {}]]);
});

Deno.test("createApp(): the first request is matched without compiling, and the same answer follows once compiled", async () => {
  await using app = await startApp();
  const hono = createApp(app.runtime.deps);
  const router: Router<unknown> = hono.router;
  assert.ok(router instanceof DeferredRouter);
  const answer = async () => {
    const res = await hono.fetch(new Request("http://vaidya.test/healthz"));
    return [res.status, await res.text(), res.headers.get("content-type")];
  };
  const before = await answer();
  assert.equal(router.name, "SmartRouter + LinearRouter");
  router.build();
  assert.deepEqual(await answer(), before);
  assert.equal(before[0], 200);
});
