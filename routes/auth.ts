/** Login with a phone one-time code, token refresh and logout; the public signing keys. */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../src/app_deps.ts";
import { authenticate, authorize } from "../src/http/auth_middleware.ts";
import {
  OtpRequest,
  OtpResponse,
  RefreshRequest,
  TokenResponse,
  VerifyRequest,
} from "../src/http/schemas.ts";
import { patientLanguageFromAcceptLanguage } from "../src/i18n/patient_templates.ts";
import { bearer, jsonBody, jsonResponse, problems, router } from "./_openapi.ts";

const Jwks = z.object({
  keys: z.array(z.looseObject({ kty: z.string(), kid: z.string().optional() })),
}).openapi("Jwks");

export function authRoutes(deps: AppDeps) {
  const app = router();

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/otp",
      tags: ["auth"],
      summary: "Send a login code to a phone",
      request: jsonBody(OtpRequest),
      responses: {
        202: jsonResponse(OtpResponse, "Code sent"),
        400: problems[400],
        422: problems[422], // phone_undeliverable: the provider refuses the phone (STOP, not a mobile)
        429: problems[429],
        503: problems[503],
      },
    }),
    async (c) => {
      const { phone } = c.req.valid("json");
      const language = patientLanguageFromAcceptLanguage(c.req.header("accept-language"));
      const to = () => deps.identity.codeRecipient(phone, language);
      return c.json(await deps.otp.sendLoginCode(phone, c.get("clientIp"), to), 202);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/verify",
      tags: ["auth"],
      summary: "Exchange a login code for tokens",
      request: jsonBody(VerifyRequest),
      responses: {
        200: jsonResponse(TokenResponse, "Logged in"),
        400: problems[400],
        422: problems[422],
        429: problems[429],
      },
    }),
    async (c) => {
      const { phone, code } = c.req.valid("json");
      return c.json(
        await deps.identity.login(
          phone,
          code,
          c.req.header("user-agent") ?? null,
          c.get("clientIp"),
          patientLanguageFromAcceptLanguage(c.req.header("accept-language")),
        ),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/refresh",
      tags: ["auth"],
      summary: "Rotate a refresh token",
      description:
        "Every use answers a new pair and uses the token up. Using it again is reuse: 401, and the " +
        "session and every token of it end; unless the server runs with a reuse grace " +
        "(REFRESH_REUSE_GRACE_SECONDS, off by default), within which the same token again (a retry " +
        "whose answer was lost, two tabs at once) answers another new pair in the same session.",
      request: jsonBody(RefreshRequest),
      responses: {
        200: jsonResponse(TokenResponse, "New tokens"),
        400: problems[400],
        401: problems[401],
      },
    }),
    async (c) => c.json(await deps.identity.refresh(c.req.valid("json").refreshToken), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/logout",
      tags: ["auth"],
      summary:
        "End the caller's session, and that of the refresh token sent when it is the caller's",
      security: bearer,
      middleware: [authenticate(deps.tokens), authorize("auth.logout")] as const,
      request: jsonBody(RefreshRequest),
      responses: { 204: { description: "Logged out" }, 400: problems[400], 401: problems[401] },
    }),
    async (c) => {
      await deps.identity.logout(c.get("user"), c.req.valid("json").refreshToken);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/.well-known/jwks.json",
      tags: ["auth"],
      summary: "Public keys that verify access tokens (the first one signs)",
      responses: { 200: jsonResponse(Jwks, "JSON Web Key Set") },
    }),
    (c) => {
      c.header("Cache-Control", "public, max-age=300");
      return c.json(deps.tokens.publicJwks() as z.infer<typeof Jwks>, 200);
    },
  );

  return app;
}
