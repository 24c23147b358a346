/**
 * FHIR search parameters combine with AND, `_id` and `actor` included: `Practitioner?_id=X&
 * specialty=Y` answers X only if X offers Y, as a client checking "does X offer Y" relies on.
 */
import assert from "node:assert/strict";
import { startAppWithDoctor } from "../_harness/app.ts";

Deno.test("FHIR Practitioner?_id and Schedule?actor also apply name, specialty, address-city and communication", async () => {
  await using app = await startAppWithDoctor({ RATE_LIMIT_DISABLED: "true" });
  const { api, doctor } = app; // Dr. Asha Kulkarni, Pune, Kayachikitsa and Panchakarma, en/hi/mr
  const id = doctor.id.replace("_", "-");
  const cases: [string, number][] = [
    [`/Practitioner?_id=${id}`, 1],
    [`/Practitioner?_id=${id}&name=asha&communication=urn:ietf:bcp:47|hi`, 1],
    [`/Practitioner?_id=${id}&name=Ravi`, 0],
    [`/Practitioner?_id=${id}&address-city=Goa`, 0],
    [`/Practitioner?_id=${id}&communication=ta`, 0],
    [`/Schedule?actor=Practitioner/${id}&specialty=panchakarma`, 1],
    [`/Schedule?actor=Practitioner/${id}&specialty=Shalya%20Tantra`, 0],
    [`/Schedule?_id=${id}&address-city=Goa`, 0],
  ];
  for (const [path, total] of cases) {
    const res = await api.request<{ total: number; entry: unknown[] }>("GET", `/fhir/R4${path}`);
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.total, total, `${path}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.entry.length, total, path);
  }
});
