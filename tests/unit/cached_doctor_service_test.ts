/**
 * The doctor cache across a rolling deploy: instances of the release before share the Redis and
 * cached doctor views of the shape they knew. An instance of this release must not answer those,
 * or a doctor without `active` reads as deactivated (its /book page a 404, FHIR no free slot).
 */
import assert from "node:assert/strict";
import { createMemoryCache } from "../../src/cache/cache.ts";
import { cacheDoctorService, DOCTORS_TTL_MS } from "../../src/cache/cached_services.ts";
import { createReadThrough } from "../../src/cache/read_through.ts";
import type { DoctorView } from "../../src/booking/views.ts";
import type { DoctorService } from "../../src/doctors/doctor_service.ts";
import { createLogger } from "../../src/observability/logger.ts";

const quiet = createLogger({ level: "error", write: () => {} });

/** The search key's digest as the release before computed it. */
async function digest(value: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(hash.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("cacheDoctorService() does not answer a view that the release before `active` cached", async () => {
  const shared = createMemoryCache();
  const fresh = {
    id: "doc_1",
    name: "Dr. Asha Menon",
    city: "Kochi",
    active: true,
    deactivatedAt: null,
  } as unknown as DoctorView;
  const { active: _a, deactivatedAt: _d, ...older } = fresh;
  // What an instance of the release before stored, under the keys it used.
  const before = createReadThrough(shared, quiet, { bypassMs: 60_000 });
  await before.read("doctors", "profile:doc_1", DOCTORS_TTL_MS, () => Promise.resolve(older));
  const search = `search:${await digest([{}, 10, null])}`;
  const page = { items: [older], nextCursor: null };
  await before.read("doctors", search, DOCTORS_TTL_MS, () => Promise.resolve(page));

  const source = {
    get: () => Promise.resolve(fresh),
    search: () => Promise.resolve({ items: [fresh], nextCursor: null }),
  } as unknown as DoctorService;
  const doctors = cacheDoctorService(
    source,
    createReadThrough(shared, quiet, { bypassMs: 60_000 }),
  );
  assert.deepEqual(await doctors.get("doc_1"), fresh);
  assert.deepEqual((await doctors.search({}, 10)).items, [fresh]);
});
