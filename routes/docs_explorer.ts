/**
 * The API explorer at /docs: Swagger UI (npm `swagger-ui-dist`), self-hosted. The page and its
 * start-up script are ours (routes/docs_assets); the bundle and stylesheet are read from the npm
 * package and served from this origin, so the page loads offline and runs under the app's
 * Content-Security-Policy (script-src 'self', no inline script or style, nothing from a CDN).
 *
 * Files are read on first request, not at import, so start-up does not pay for 1.9 MB of browser
 * code; the large ones are gzipped once and served compressed to clients that accept it. The
 * package itself (CommonJS) is imported on the first request for one of its files, not at
 * start-up (docs/BENCHMARKS.md, issue 15).
 */
import { Hono } from "hono";
import type { AppEnv } from "../src/http/app_env.ts";
import { acceptsGzip, gzip } from "../src/http/gzip.ts";
import { inTree } from "../src/on_demand.ts";

const OWN = inTree("routes/docs_assets/");

interface Asset {
  path: string;
  type: string;
  file: () => URL | Promise<string>;
}

/** The path of one of swagger-ui-dist's files. */
async function swaggerUiFile(name: string): Promise<string> {
  const { default: distPath } = await import("swagger-ui-dist/absolute-path.js");
  return `${distPath()}/${name}`;
}

const ASSETS: readonly Asset[] = [
  { path: "/docs", type: "text/html; charset=utf-8", file: () => new URL("index.html", OWN) },
  {
    path: "/docs/init.js",
    type: "text/javascript; charset=utf-8",
    file: () => new URL("init.js", OWN),
  },
  {
    path: "/docs/swagger-ui-bundle.js",
    type: "text/javascript; charset=utf-8",
    file: () => swaggerUiFile("swagger-ui-bundle.js"),
  },
  {
    path: "/docs/swagger-ui.css",
    type: "text/css; charset=utf-8",
    file: () => swaggerUiFile("swagger-ui.css"),
  },
];

/** Paths served here, which the OpenAPI document itself does not describe. */
export const DOCS_PATHS: readonly string[] = ASSETS.map((asset) => asset.path);

/** Bodies above this size are worth a gzip copy. */
const GZIP_ABOVE_BYTES = 8 * 1024;

interface Loaded {
  plain: Uint8Array<ArrayBuffer>;
  gzip?: Uint8Array<ArrayBuffer>;
}

async function load(asset: Asset): Promise<Loaded> {
  const plain = await Deno.readFile(await asset.file());
  if (plain.length <= GZIP_ABOVE_BYTES) return { plain };
  return { plain, gzip: await gzip(plain) };
}

export function docsExplorerRoutes() {
  const app = new Hono<AppEnv>();
  for (const asset of ASSETS) {
    let loaded: Promise<Loaded> | undefined;
    app.get(asset.path, async function docsAsset(c) {
      loaded ??= load(asset).catch((error) => {
        loaded = undefined; // a failed read is retried by the next request
        throw error;
      });
      const { plain, gzip } = await loaded;
      const headers: Record<string, string> = {
        "Content-Type": asset.type,
        "Cache-Control": "public, max-age=300",
      };
      if (!gzip) return c.body(plain, 200, headers);
      headers["Vary"] = "Accept-Encoding";
      if (!acceptsGzip(c.req.header("accept-encoding"))) return c.body(plain, 200, headers);
      return c.body(gzip, 200, { ...headers, "Content-Encoding": "gzip" });
    });
  }
  return app;
}
