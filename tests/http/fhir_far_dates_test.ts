/**
 * FHIR Slot search and read given days and instants far beyond the product's calendar (a
 * client's "up to 9999-12-31", a Slot id with a 15-digit instant): a 4xx OperationOutcome, never
 * a 500. (Appointment searches take such bounds and answer the matches.)
 */
import assert from "node:assert/strict";
import { startAppWithDoctor } from "../_harness/app.ts";

Deno.test("FHIR Slot search and read at the far end of the calendar answer 4xx, not 500", async () => {
  await using app = await startAppWithDoctor({ RATE_LIMIT_DISABLED: "true" });
  const { api, doctor } = app;
  const fhirId = doctor.id.replace("_", "-");
  const cases: [string, number][] = [
    [`/fhir/R4/Slot?schedule=Schedule/${fhirId}&start=ge9999-12-30&start=le9999-12-31`, 400],
    [`/fhir/R4/Slot/${fhirId}.999999999999999`, 404],
    [`/fhir/R4/Slot/${fhirId}.1`, 404],
  ];
  for (const [path, status] of cases) {
    const res = await api.request<{ resourceType: string }>("GET", path);
    assert.equal(res.status, status, `${path}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.resourceType, "OperationOutcome");
  }
});
