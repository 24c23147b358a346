/**
 * Routes whose code is imported on the first request that reaches one of them. The doctor UI and
 * the booking pages are a large share of the modules (JSX views, forms, messages) yet rarely
 * asked for by an API instance; importing them at start-up delayed its first answer
 * (docs/BENCHMARKS.md, issue 15).
 *
 * Only the handlers wait: the route table (method and path of every entry, in order) is declared
 * up front, so the app's route list, its 405 `Allow` answers, the route label of metrics and logs,
 * and the order in which routes run are exactly what mounting the sub-app with
 * `app.route("/", sub)` gives. Each entry runs the loaded sub-app's own handler on the same
 * context, with the sub-app's error handler around it as `route()` would put it.
 */
import { Hono } from "hono";
import type { Env, Handler } from "hono";

/** The `[method, path]` of every route entry of a sub-app, in the order it adds them. */
export type RouteTable = readonly (readonly [method: string, path: string])[];

/** The route entries that `app.route("/", sub)` adds, with their handlers. */
function mountedEntries<E extends Env>(sub: Hono<E>) {
  return new Hono<E>().route("/", sub).routes;
}

/** The route table of a sub-app: what a lazily mounted sub-app must declare. */
export function routeTableOf<E extends Env>(sub: Hono<E>): [string, string][] {
  return mountedEntries(sub).map((r) => [r.method, r.path]);
}

/**
 * Adds `table` to `app`, each entry running the matching handler of the sub-app that `load`
 * builds. `load` is called on the first request to any entry (or the first call of the returned
 * function); if it fails, the next one calls it again. A sub-app whose routes differ from `table`
 * is a programmer error: its first request fails, naming the difference. Returns a function that
 * gives the loaded sub-app, e.g. for describing its routes in the OpenAPI document.
 */
// deno-lint-ignore no-explicit-any -- any sub-app: its env and schema are its own, not the app's.
export function lazyRoutes<E extends Env, A extends Hono<any, any, any>>(
  app: Hono<E>,
  table: RouteTable,
  load: () => Promise<A>,
): () => Promise<A> {
  let loading: Promise<{ sub: A; handlers: Handler<E>[] }> | undefined;
  // Once loaded, an entry calls its handler directly: no promise of its own per request.
  let loaded: Handler<E>[] | undefined;
  const mounted = () =>
    loading ??= load().then((sub) => {
      const entries = mountedEntries(sub);
      const found = entries.map((r) => `${r.method} ${r.path}`);
      const declared = table.map(([method, path]) => `${method} ${path}`);
      const first = found.findIndex((route, i) => route !== declared[i]);
      if (found.length !== declared.length || first !== -1) {
        const at = first === -1 ? declared.length : first;
        throw new Error(
          `Cannot mount lazy routes: entry ${at} is declared as ${declared[at] ?? "nothing"} ` +
            `but the sub-app has ${found[at] ?? "nothing"} (update its RouteTable)`,
        );
      }
      // Run on the app's own context, as the handlers `route()` copies into the app do.
      loaded = entries.map((r) => r.handler as unknown as Handler<E>);
      return { sub, handlers: loaded };
    }).catch((err) => {
      loading = undefined;
      throw err;
    });
  table.forEach(([method, path], i) => {
    app.on(method, path, function lazyRoute(c, next) {
      if (loaded) return loaded[i](c, next);
      return mounted().then(({ handlers }) => handlers[i](c, next));
    });
  });
  return () => mounted().then(({ sub }) => sub);
}
