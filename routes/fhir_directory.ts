/** Public FHIR reads and searches: Practitioner, Schedule and Slot (see src/fhir/directory_search.ts). */
import { type Context, Hono } from "hono";
import type { AppDeps } from "../src/app_deps.ts";
import type { AppEnv } from "../src/http/app_env.ts";
import { fhirResponse } from "../src/fhir/bundle.ts";
import { createFhirDirectory } from "../src/fhir/directory_search.ts";

export function fhirDirectoryRoutes(deps: AppDeps, base: string) {
  const app = new Hono<AppEnv>();
  const directory = createFhirDirectory({
    doctors: deps.doctors,
    booking: deps.booking,
    now: deps.now,
    maxSlotRangeDays: deps.config.MAX_SLOT_RANGE_DAYS,
  });
  const params = (c: Context) => new URL(c.req.url).searchParams;

  app.get(
    "/Practitioner",
    async (c) => fhirResponse(await directory.searchPractitioners(base, params(c))),
  );
  app.get(
    "/Practitioner/:id",
    async (c) => fhirResponse(await directory.practitioner(c.req.param("id"))),
  );
  app.get(
    "/Schedule",
    async (c) => fhirResponse(await directory.searchSchedules(base, params(c))),
  );
  app.get("/Schedule/:id", async (c) => fhirResponse(await directory.schedule(c.req.param("id"))));
  app.get("/Slot", async (c) => fhirResponse(await directory.searchSlots(base, params(c))));
  app.get("/Slot/:id", async (c) => fhirResponse(await directory.slot(c.req.param("id"))));
  return app;
}
