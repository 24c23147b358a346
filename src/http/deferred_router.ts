/**
 * Hono's default router (a SmartRouter that compiles every route into RegExpRouter's matchers on
 * the first match, ~10 ms of CPU for the app's ~290 routes), compiled after the first answer
 * instead of before it (docs/BENCHMARKS.md, issue 15). Until then requests are matched by the
 * router of Hono's `quick` preset (LinearRouter, or TrieRouter for a path it cannot take), which
 * needs no compiling and gives the same handlers and parameters, one route at a time.
 *
 * The compiled router takes over on `build()` (src/main.ts calls it once the server has answered
 * its first request or been up a second) or on the second match, whichever comes first; from then
 * on `match` is the compiled router's own, as with Hono's default.
 */
import type { Result, Router } from "hono/router";
import { LinearRouter } from "hono/router/linear-router";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";

/** The router of Hono's `quick` preset: no compiling, one route at a time. */
export function interimRouter<T>(): Router<T> {
  return new SmartRouter({ routers: [new LinearRouter(), new TrieRouter()] });
}

/** Hono's default router: every route compiled into RegExpRouter's matchers on the first match. */
export function compiledRouter<T>(): Router<T> {
  return new SmartRouter({ routers: [new RegExpRouter(), new TrieRouter()] });
}

export class DeferredRouter<T> implements Router<T> {
  #routes: [string, string, T][] = [];
  #interim?: Router<T>;
  #compiled?: Router<T>;

  get name(): string {
    return (this.#compiled ?? this.#interim)?.name ?? "DeferredRouter";
  }

  add(method: string, path: string, handler: T): void {
    if (this.#interim || this.#compiled) {
      throw new Error("Cannot add a route: the router has matched a request already");
    }
    this.#routes.push([method, path, handler]);
  }

  match(method: string, path: string): Result<T> {
    if (this.#interim) {
      // The second match: compile now rather than match another request one route at a time.
      this.build();
      return this.match(method, path);
    }
    this.#interim = interimRouter();
    for (const route of this.#routes) this.#interim.add(...route);
    return this.#interim.match(method, path);
  }

  /** Compiles Hono's default router over every route; `match` is then its own. */
  build(): void {
    if (this.#compiled) return;
    const compiled = compiledRouter<T>();
    for (const route of this.#routes) compiled.add(...route);
    // SmartRouter picks its router on the first match and replaces its `match` with that one's.
    compiled.match("GET", "/");
    this.#compiled = compiled;
    this.#interim = undefined;
    this.match = compiled.match;
  }
}
