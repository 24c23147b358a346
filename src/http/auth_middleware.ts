/**
 * Authentication and authorization. `authenticate` turns a bearer token into `c.var.user` (or a
 * 401 problem); `authorize(action)` checks the caller's role against the one policy table in
 * auth/policy.ts. Ownership of individual records is checked by the services (foreign ids → 404).
 */
import type { Context, MiddlewareHandler } from "hono";
import { type Action, allowedRoles } from "../auth/policy.ts";
import type { TokenService, TokenUser } from "../auth/token_service.ts";
import { ForbiddenError, UnauthenticatedError } from "../errors.ts";
import type { AppEnv } from "./app_env.ts";

const BEARER = /^Bearer\s+([\w-]+\.[\w-]+\.[\w-]*)$/i;

/**
 * The user of the request's bearer token: null without one; rejects with
 * `UnauthenticatedError` for an invalid one. Verified once per request and shared by every
 * middleware that asks (the per-user rate limit runs before the route's `authenticate`).
 */
export function bearerUser(c: Context<AppEnv>, tokens: TokenService): Promise<TokenUser | null> {
  let pending = c.get("bearer");
  if (!pending) {
    const match = BEARER.exec((c.req.header("authorization") ?? "").trim());
    pending = match ? tokens.verifyAccess(match[1]) : Promise.resolve(null);
    pending.catch(() => {}); // a caller that does not await it must not leave it unhandled
    c.set("bearer", pending);
  }
  return pending;
}

export function authenticate(tokens: TokenService): MiddlewareHandler<AppEnv> {
  return async function authenticateMiddleware(c, next) {
    const user = await bearerUser(c, tokens);
    if (!user) throw new UnauthenticatedError();
    c.set("user", user);
    await next();
  };
}

export function authorize(action: Action): MiddlewareHandler<AppEnv> {
  const roles = allowedRoles(action);
  return async function authorizeMiddleware(c, next) {
    const user = c.get("user");
    if (!user) throw new UnauthenticatedError();
    if (!roles.includes(user.role)) throw new ForbiddenError(`A ${user.role} may not ${action}`);
    await next();
  };
}
