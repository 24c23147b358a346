/**
 * The pages and API groups src/app.ts mounts lazily (src/http/lazy_routes.ts): every declared route
 * table is what its sub-app really adds, the pages answer their first request, labelled by a route
 * pattern, the OpenAPI document is the same whichever group loaded first, and the mechanism runs
 * the sub-app's handlers on the app's context, keeps the sub-app's error handler, retries a failed
 * load and refuses a table that does not match.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { lazyRoutes, routeTableOf } from "../../src/http/lazy_routes.ts";
import { bookRoutes } from "../../routes/book.ts";
import { doctorUiRoutes } from "../../routes/doctor_ui.ts";
import { doctorRoomPageRoutes, patientRoomPageRoutes } from "../../routes/room_pages.tsx";
import {
  BOOK_ROUTES,
  DOCTOR_ROOM_PAGE_ROUTES,
  DOCTOR_UI_ROUTES,
  PATIENT_ROOM_PAGE_ROUTES,
  type RouteTable,
} from "../../routes/page_route_tables.ts";
import * as api from "../../routes/api_route_tables.ts";
import { authRoutes } from "../../routes/auth.ts";
import { doctorRoutes } from "../../routes/doctors.ts";
import { holdRoutes } from "../../routes/holds.ts";
import { appointmentRoutes } from "../../routes/appointments.ts";
import { eventFeatureRoutes } from "../../routes/event_features.ts";
import { meRoutes } from "../../routes/me.ts";
import { twilioStatusRoutes } from "../../routes/twilio_status.ts";
import { roomRoutes } from "../../routes/rooms.ts";
import { courseRoutes } from "../../routes/courses.ts";
import { recommendationRoutes } from "../../routes/recommendations.ts";
import { createApp } from "../../src/app.ts";
import { securityHeaders } from "../../src/http/security_headers.ts";
import { startApp } from "../_harness/app.ts";

Deno.test("each lazily mounted table lists the routes its sub-app adds, in order", async () => {
  await using app = await startApp();
  const deps = app.runtime.deps;
  const { rooms, doctorUi, courses, prakriti } = deps;
  assert.ok(rooms && doctorUi && deps.events && courses && prakriti);
  const cases: [string, RouteTable, [string, string][]][] = [
    // routes/page_route_tables.ts
    ["DOCTOR_UI_ROUTES", DOCTOR_UI_ROUTES, routeTableOf(doctorUiRoutes(deps))],
    ["BOOK_ROUTES", BOOK_ROUTES, routeTableOf(bookRoutes(deps))],
    ["PATIENT_ROOM_PAGE_ROUTES", PATIENT_ROOM_PAGE_ROUTES, routeTableOf(patientRoomPageRoutes())],
    [
      "DOCTOR_ROOM_PAGE_ROUTES",
      DOCTOR_ROOM_PAGE_ROUTES,
      routeTableOf(doctorRoomPageRoutes({ ...deps, rooms }, doctorUi)),
    ],
    // routes/api_route_tables.ts
    ["AUTH_ROUTES", api.AUTH_ROUTES, routeTableOf(authRoutes(deps))],
    [
      "DOCTOR_ROUTES",
      api.DOCTOR_ROUTES,
      routeTableOf(
        doctorRoutes(
          deps,
          securityHeaders({
            contentSecurityPolicy: "default-src 'self'",
            strictTransportSecurity: false,
          }),
        ),
      ),
    ],
    ["HOLD_ROUTES", api.HOLD_ROUTES, routeTableOf(holdRoutes(deps))],
    ["APPOINTMENT_ROUTES", api.APPOINTMENT_ROUTES, routeTableOf(appointmentRoutes(deps))],
    ["EVENT_FEATURE_ROUTES", api.EVENT_FEATURE_ROUTES, routeTableOf(eventFeatureRoutes(deps))],
    ["ME_ROUTES", api.ME_ROUTES, routeTableOf(meRoutes(deps))],
    ["TWILIO_STATUS_ROUTES", api.TWILIO_STATUS_ROUTES, routeTableOf(twilioStatusRoutes(deps))],
    ["ROOM_ROUTES", api.ROOM_ROUTES, routeTableOf(roomRoutes({ ...deps, rooms }))],
    ["COURSE_ROUTES", api.COURSE_ROUTES, routeTableOf(courseRoutes({ ...deps, courses }))],
    [
      "RECOMMENDATION_ROUTES",
      api.RECOMMENDATION_ROUTES,
      routeTableOf(recommendationRoutes({ ...deps, prakriti })),
    ],
  ];
  for (const [name, declared, actual] of cases) {
    assert.ok(actual.length > 1, `${name}: the sub-app has only ${actual.length} routes`);
    assert.deepEqual(
      declared,
      actual,
      `${name} is out of date; the sub-app adds:\n${JSON.stringify(actual)}`,
    );
  }
});

Deno.test("the OpenAPI document is the same whichever API group answered first", async () => {
  await using app = await startApp();
  const deps = app.runtime.deps;
  const clientIp = () => "127.0.0.1";
  const fresh = createApp(deps, { clientIp });
  const expected = await (await fresh.request("/openapi.json")).text();
  // Groups loaded out of their mounting order before the document is first asked for.
  const used = createApp(deps, { clientIp });
  for (const path of ["/v1/me", "/v1/courses/x", "/v1/holds", "/.well-known/jwks.json"]) {
    const res = await used.request(path);
    assert.ok(res.status < 500, `${path}: ${res.status}`);
    await res.body?.cancel();
  }
  const document = await (await used.request("/openapi.json")).text();
  assert.equal(document, expected);
  const paths = Object.keys(JSON.parse(document).paths);
  for (const path of ["/v1/auth/otp", "/v1/doctors/{id}/slots", "/v1/holds", "/v1/me"]) {
    assert.ok(paths.includes(path), path);
  }
  // As when every group was mounted at start: the paths in the order their routes are mounted.
  const mounted = [...new Set(used.routes.map((r) => r.path.replace(/:([^/]+)/g, "{$1}")))];
  const positions = paths.map((path) => mounted.indexOf(path));
  assert.ok(!positions.includes(-1), "every documented path is a route");
  assert.deepEqual(positions, [...positions].sort((a, b) => a - b), "paths out of mounting order");
  assert.equal(used.routes.length, fresh.routes.length);
});

Deno.test("lazily mounted pages answer their first request, labelled by their route pattern", async () => {
  await using app = await startApp();
  for (const path of ["/doctor/login", "/book", "/room-static/room.css"]) {
    const res = await app.fetch(new Request(`http://vaidya.test${path}`));
    assert.equal(res.status, 200, path);
    await res.body?.cancel();
  }
  const metrics = await (await app.fetch(new Request("http://vaidya.test/metrics"))).text();
  // The last route matched names the request, as with app.route(): the pages' catch-alls.
  for (const route of ["/doctor/\\*", "/book/\\*", "/room-static/:name"]) {
    assert.match(
      metrics,
      new RegExp(`vaidya_http_request_duration_seconds_count\\{[^}]*route="${route}"`),
      route,
    );
  }
});

Deno.test("lazyRoutes() runs the sub-app on the app's context, once loaded", async () => {
  const sub = new Hono<{ Variables: { who: string } }>();
  sub.onError((err, c) => c.text(`page error: ${err.message}`, 500));
  sub.get("/p/:id", (c) => c.text(`${c.get("who")} ${c.req.param("id")}`));
  sub.get("/p/:id/boom", () => {
    throw new Error("boom");
  });
  let loads = 0;
  const app = new Hono<{ Variables: { who: string } }>();
  app.onError((err, c) => c.text(`app error: ${err.message}`, 500));
  app.use("*", async (c, next) => {
    c.set("who", "outer");
    await next();
  });
  const mounted = lazyRoutes(app, [["GET", "/p/:id"], ["GET", "/p/:id/boom"]], () => {
    loads++;
    return loads === 1 ? Promise.reject(new Error("not loaded")) : Promise.resolve(sub);
  });

  const first = await app.request("/p/1");
  assert.equal(first.status, 500);
  assert.equal(await first.text(), "app error: not loaded");
  assert.equal(await (await app.request("/p/2")).text(), "outer 2");
  assert.equal(await (await app.request("/p/3/boom")).text(), "page error: boom");
  assert.equal((await app.request("/q")).status, 404);
  assert.equal(await mounted(), sub, "the returned function gives the loaded sub-app");
  assert.equal(loads, 2, "a successful load is kept");
  assert.deepEqual(app.routes.slice(1).map((r) => [r.method, r.path]), routeTableOf(sub));
});

Deno.test("lazyRoutes() refuses a sub-app whose routes differ from the declared table", async () => {
  const sub = new Hono();
  sub.get("/p/:id", (c) => c.text("page"));
  const app = new Hono();
  app.onError((err, c) => c.text(err.message, 500));
  lazyRoutes(app, [["POST", "/p/:id"]], () => Promise.resolve(sub));
  const res = await app.request("/p/1", { method: "POST" });
  assert.equal(res.status, 500);
  assert.match(await res.text(), /entry 0 is declared as POST \/p\/:id but the sub-app has GET/);
});
