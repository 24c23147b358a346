/**
 * Serves a fixed set of small files (a page's own script and stylesheet) from one folder, read
 * once and kept in memory. Names are looked up in a Map, never in a plain object: a name like
 * `constructor` or `toString` must be a 404, not an inherited property.
 */
import type { Context } from "hono";

export function staticFiles(
  folder: URL,
  types: Record<string, string>,
  /** Names served as several files of the folder joined in order (one request, not several). */
  bundles: Record<string, string[]> = {},
) {
  const known = new Map(Object.entries(types));
  const parts = new Map(Object.entries(bundles));
  const cache = new Map<string, Promise<string>>();
  return async function serveStaticFile(c: Context, name: string): Promise<Response> {
    const type = known.get(name);
    if (!type) return c.text("Not found", 404);
    let text = cache.get(name);
    if (!text) {
      const files = parts.get(name) ?? [name];
      text = Promise.all(files.map((f) => Deno.readTextFile(new URL(f, folder))))
        .then((texts) => texts.join("\n"));
      cache.set(name, text);
    }
    c.header("Content-Type", type);
    c.header("Cache-Control", "public, max-age=300");
    return c.body(await text);
  };
}
