/**
 * Mounts the routes of the event features (waitlist, audit trail, webhooks) when the app was
 * built with them (`deps.events`); an app without them simply has no such routes.
 */
import type { AppDeps } from "../src/app_deps.ts";
import { adminAuditRoutes } from "./admin_audit.ts";
import { adminWebhookRoutes } from "./admin_webhooks.ts";
import { router } from "./_openapi.ts";
import { waitlistRoutes } from "./waitlist.ts";

export function eventFeatureRoutes(deps: AppDeps) {
  const app = router();
  if (!deps.events) return app;
  app.route("/", waitlistRoutes(deps, deps.events));
  app.route("/", adminAuditRoutes(deps, deps.events));
  app.route("/", adminWebhookRoutes(deps, deps.events));
  return app;
}
