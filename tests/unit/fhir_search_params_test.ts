/** FHIR search parameter parsing (src/fhir/search_params.ts) and id mapping (fhir_ids.ts). */
import assert from "node:assert/strict";
import { ValidationError } from "../../src/errors.ts";
import {
  fromFhirId,
  idFromReference,
  parseSlotFhirId,
  slotFhirId,
  toFhirId,
} from "../../src/fhir/fhir_ids.ts";
import {
  parseCount,
  parseDateRange,
  tokenCode,
  utcDayStart,
} from "../../src/fhir/search_params.ts";
import { zonedWallTimeToEpochMs } from "../../src/domain/zoned_time.ts";

const ms = (iso: string) => Date.parse(iso);

Deno.test("parseDateRange() turns ge/le dates into a half-open range of whole days", () => {
  const r = parseDateRange(["ge2026-12-01", "le2026-12-07"], "date", utcDayStart);
  assert.deepEqual(r, { fromMs: ms("2026-12-01T00:00:00Z"), toMs: ms("2026-12-08T00:00:00Z") });
});

Deno.test("parseDateRange() honours gt, lt, eq and instant precision", () => {
  assert.deepEqual(parseDateRange(["gt2026-12-01", "lt2026-12-03"], "d", utcDayStart), {
    fromMs: ms("2026-12-02T00:00:00Z"),
    toMs: ms("2026-12-03T00:00:00Z"),
  });
  assert.deepEqual(parseDateRange(["2026-12-01T10:00:00+05:30"], "d", utcDayStart), {
    fromMs: ms("2026-12-01T04:30:00Z"),
    toMs: ms("2026-12-01T04:30:01Z"),
  });
  assert.deepEqual(parseDateRange([], "d", utcDayStart), {});
});

Deno.test("parseDateRange() reads plain dates in the given zone's calendar", () => {
  const ist = (d: string) => zonedWallTimeToEpochMs(d, "00:00", "Asia/Kolkata");
  const r = parseDateRange(["ge2026-12-01", "le2026-12-01"], "start", ist);
  assert.deepEqual(r, { fromMs: ms("2026-11-30T18:30:00Z"), toMs: ms("2026-12-01T18:30:00Z") });
});

Deno.test("parseDateRange() refuses bad dates, unsupported prefixes and empty ranges", () => {
  for (const bad of [["ge2026-02-30"], ["ap2026-12-01"], ["2026-12-01T10:00"], ["tomorrow"]]) {
    assert.throws(() => parseDateRange(bad, "date", utcDayStart), ValidationError, bad[0]);
  }
  assert.throws(
    () => parseDateRange(["ge2026-12-05", "le2026-12-01"], "date", utcDayStart),
    ValidationError,
  );
});

Deno.test("parseCount() and tokenCode() read _count and system|code tokens", () => {
  assert.equal(parseCount(undefined, 20, 100), 20);
  assert.equal(parseCount("5", 20, 100), 5);
  for (const bad of ["0", "101", "2.5", "-1", "x"]) {
    assert.throws(() => parseCount(bad, 20, 100), ValidationError);
  }
  assert.equal(tokenCode("urn:ietf:bcp:47|hi"), "hi");
  assert.equal(tokenCode("free"), "free");
});

Deno.test("FHIR ids swap the underscore of our ids for a dash, both ways", () => {
  assert.equal(toFhirId("doc_01jabc"), "doc-01jabc");
  assert.equal(fromFhirId("doc-01jabc"), "doc_01jabc");
  assert.equal(fromFhirId("doc_01jabc"), null, "an underscore is not a FHIR id");
  assert.equal(idFromReference("Practitioner/doc-1a", "Practitioner"), "doc_1a");
  assert.equal(idFromReference("https://x/fhir/R4/Schedule/doc-1a", "Schedule"), "doc_1a");
  assert.equal(idFromReference("Patient/pat-1a", "Practitioner"), null);
  const slot = slotFhirId("doc_01jabc", 1796100000000);
  assert.match(slot, /^[A-Za-z0-9\-.]{1,64}$/);
  assert.deepEqual(parseSlotFhirId(slot), { doctorId: "doc_01jabc", startMs: 1796100000000 });
  assert.equal(parseSlotFhirId("doc-01jabc"), null);
});
