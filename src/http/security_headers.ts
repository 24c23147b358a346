/**
 * The security headers every response carries: the set Hono's `secureHeaders` sends by default
 * (same names, values and order), a Content-Security-Policy, and Strict-Transport-Security when
 * asked for. A header a handler already set is kept (the doctor UI and the room pages send their
 * own CSP, Referrer-Policy and X-Frame-Options), and any X-Powered-By is removed.
 *
 * It is not a middleware of its own: `requestContext` applies it to each response in the one
 * step it already runs after the handler (src/http/request_context.ts), since every chain step
 * costs a slot listing an async frame, a closure and a promise (issue 15, docs/BENCHMARKS.md).
 *
 * A response that is the same for many requests (a memoised slot listing) can be kept as a
 * template and sent as `copy(template)`: the headers are set on the template once, and each copy
 * is a `Response.clone()`, which takes the header list as it is, where setting a header checks
 * its name and value again every time (~5 µs of a listing's ~40 µs of CPU, issue 15). `apply`
 * leaves such a copy alone. A template built by `response` carries them from its constructor:
 * a header set afterwards makes Deno keep a lower-cased copy of every name beside the response,
 * ~0.7 KB of a kept template's ~2.3 KB (issue 15, RSS).
 */

export interface SecurityHeadersOptions {
  /** The Content-Security-Policy value. */
  contentSecurityPolicy: string;
  /** The Strict-Transport-Security value, or false to send none. */
  strictTransportSecurity: string | false;
}

export interface SecurityHeaders {
  /** Sets the headers a response lacks, unless it is a `copy`, which has them all. */
  apply(res: Response): void;
  /**
   * A response to send: a clone of `template`, a response built once and never sent or read
   * itself (its body would be spent), with the headers set on the template the first time.
   */
  copy(template: Response): Response;
  /**
   * A new response of `body` whose headers are `init.headers` followed by the security headers
   * they lack (X-Powered-By removed), all given to its constructor. Sent as it is (`apply` leaves
   * it alone), or kept as a template for `copy`.
   */
  response(
    body: string | Uint8Array<ArrayBuffer>,
    init: { status: number; headers: Record<string, string> },
  ): Response;
}

/** On a template whose headers are set, and on each copy of it. */
const SECURED = Symbol("security headers set");
type Marked = Response & { [SECURED]?: true };

export function securityHeaders(options: SecurityHeadersOptions): SecurityHeaders {
  if (options.contentSecurityPolicy.trim() === "") {
    throw new TypeError("securityHeaders: contentSecurityPolicy is empty");
  }
  const sts = options.strictTransportSecurity;
  const headers: [string, string][] = [
    ["Cross-Origin-Resource-Policy", "same-origin"],
    ["Cross-Origin-Opener-Policy", "same-origin"],
    ["Origin-Agent-Cluster", "?1"],
    ["Referrer-Policy", "no-referrer"],
    ...(sts === false ? [] : [["Strict-Transport-Security", sts] as [string, string]]),
    ["X-Content-Type-Options", "nosniff"],
    ["X-DNS-Prefetch-Control", "off"],
    ["X-Download-Options", "noopen"],
    ["X-Frame-Options", "SAMEORIGIN"],
    ["X-Permitted-Cross-Domain-Policies", "none"],
    ["X-XSS-Protection", "0"],
    ["Content-Security-Policy", options.contentSecurityPolicy],
  ];
  // `has` compares lower-case names; asking in lower case spares it lowering ours each time.
  const lowerNames = headers.map(([name]) => name.toLowerCase());
  function set(target: Headers) {
    for (let i = 0; i < headers.length; i++) {
      if (!target.has(lowerNames[i])) target.set(headers[i][0], headers[i][1]);
    }
    target.delete("x-powered-by");
  }
  return {
    apply(res: Marked) {
      if (res[SECURED] !== true) set(res.headers);
    },
    response(body, init) {
      const given = Object.entries(init.headers).filter(([name]) =>
        name.toLowerCase() !== "x-powered-by"
      );
      const names = new Set(given.map(([name]) => name.toLowerCase()));
      const res: Marked = new Response(body, {
        status: init.status,
        headers: given.concat(headers.filter((_, i) => !names.has(lowerNames[i]))),
      });
      res[SECURED] = true;
      return res;
    },
    copy(template: Marked) {
      if (template[SECURED] !== true) {
        set(template.headers);
        template[SECURED] = true;
      }
      const res: Marked = template.clone();
      res[SECURED] = true;
      return res;
    },
  };
}

/** Answers personal without a credential on the request: tokens (RFC 6749 §5.1), dev codes. */
const PERSONAL_PATHS = /^\/v1\/(?:auth|dev)\//;

/**
 * `Cache-Control: no-store` on a personal answer that sets no caching of its own: one to a caller
 * with a credential (a bearer token or a cookie), one that sets a cookie, and tokens. Without
 * it a browser's or a proxy's cache may keep a profile, appointments or tokens for the next user
 * of a shared device. Public answers (doctors, slot listings) are left as they are.
 */
export function noStorePersonal(req: Request, path: string, res: Response): void {
  // A WebSocket upgrade's 101 is no cacheable answer, and reading the upgraded request's or the
  // 101's headers here left the socket relaying nothing (tests/http/video_room_test.ts hung).
  if (res.status === 101) return;
  // The request's own marks first: an anonymous listing (the hot read) looks at the response once.
  const personal = req.headers.has("authorization") || req.headers.has("cookie") ||
    PERSONAL_PATHS.test(path) || res.headers.has("set-cookie");
  if (personal && !res.headers.has("cache-control")) res.headers.set("Cache-Control", "no-store");
}
