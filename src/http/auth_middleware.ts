/**
 * Authentication and authorization. `authenticate` turns a bearer token into `c.var.user` (or a
 * 401 problem); `authorize(action)` checks the caller's role against the one policy table in
 * auth/policy.ts. Ownership of individual records is checked by the services (foreign ids → 404).
 */
import type { MiddlewareHandler } from "hono";
import { type Action, allowedRoles } from "../auth/policy.ts";
import type { TokenService } from "../auth/token_service.ts";
import { ForbiddenError, UnauthenticatedError } from "../errors.ts";
import type { AppEnv } from "./app_env.ts";

export function authenticate(tokens: TokenService): MiddlewareHandler<AppEnv> {
  return async function authenticateMiddleware(c, next) {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+([\w-]+\.[\w-]+\.[\w-]*)$/i.exec(header.trim());
    if (!match) throw new UnauthenticatedError();
    c.set("user", await tokens.verifyAccess(match[1]));
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
