/**
 * Mounts the routes of the event features (waitlist, audit trail, webhooks) when the app was
 * built with them (`deps.events`); an app without them simply has no such routes.
 */
import type { AppDeps } from "../src/app_deps.ts";
import { adminAuditRoutes } from "./admin_audit.ts";
import { adminWebhookRoutes } from "./admin_webhooks.ts";
import { router } from "./_openapi.ts";
import { waitlistRoutes } from "./waitlist.ts";

export function eventFeatureRoutes(deps: Pick<AppDeps, "tokens" | "events">) {
  const app = router();
  if (!deps.events) return app;
  const { tokens, events } = deps;
  app.route("/", waitlistRoutes(tokens, events.waitlist));
  app.route("/", adminAuditRoutes(tokens, events.audit));
  app.route("/", adminWebhookRoutes(tokens, events.webhooks, events.audit));
  return app;
}
