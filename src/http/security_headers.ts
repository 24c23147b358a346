/**
 * The security headers every response carries: the set Hono's `secureHeaders` sends by default
 * (same names, values and order), a Content-Security-Policy, and Strict-Transport-Security when
 * asked for. A header a handler already set is kept (the doctor UI and the room pages send their
 * own CSP, Referrer-Policy and X-Frame-Options), and any X-Powered-By is removed.
 *
 * It is not a middleware of its own: `requestContext` applies it to each response in the one
 * step it already runs after the handler (src/http/request_context.ts), since every chain step
 * costs a slot listing an async frame, a closure and a promise (issue 15, docs/BENCHMARKS.md).
 */

export interface SecurityHeadersOptions {
  /** The Content-Security-Policy value. */
  contentSecurityPolicy: string;
  /** The Strict-Transport-Security value, or false to send none. */
  strictTransportSecurity: string | false;
}

/** Sets the headers on a response that lacks them. */
export type ApplySecurityHeaders = (headers: Headers) => void;

export function securityHeaders(options: SecurityHeadersOptions): ApplySecurityHeaders {
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
  return function applySecurityHeaders(target) {
    for (let i = 0; i < headers.length; i++) {
      if (!target.has(lowerNames[i])) target.set(headers[i][0], headers[i][1]);
    }
    target.delete("x-powered-by");
  };
}
