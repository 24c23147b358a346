/**
 * Signed-in FHIR reads: Appointment (own, as patient or doctor) and Patient (own record only).
 * Roles come from the policy table (fhir.appointments, fhir.patient); ownership from the services.
 */
import { Hono } from "hono";
import type { AppDeps } from "../src/app_deps.ts";
import type { AppEnv } from "../src/http/app_env.ts";
import { authenticate, authorize } from "../src/http/auth_middleware.ts";
import { fhirResponse } from "../src/fhir/bundle.ts";
import { createFhirPatientRecords } from "../src/fhir/patient_records.ts";

export function fhirPatientRecordRoutes(deps: AppDeps, base: string) {
  const app = new Hono<AppEnv>();
  const records = createFhirPatientRecords(deps);
  const auth = authenticate(deps.tokens);
  const appointments = authorize("fhir.appointments");

  app.get("/Appointment", auth, appointments, async (c) =>
    fhirResponse(
      await records.searchAppointments(c.get("user"), base, new URL(c.req.url).searchParams),
    ));
  app.get(
    "/Appointment/:id",
    auth,
    appointments,
    async (c) => fhirResponse(await records.appointment(c.get("user"), c.req.param("id"))),
  );
  app.get(
    "/Patient/:id",
    auth,
    authorize("fhir.patient"),
    async (c) => fhirResponse(await records.patient(c.get("user"), c.req.param("id"))),
  );
  return app;
}
