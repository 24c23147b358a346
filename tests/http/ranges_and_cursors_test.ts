/**
 * Ranges and cursors over HTTP: a malformed cursor is a 400 `validation_failed` on every list,
 * `from` after `to` is a 400 everywhere, and a range that ends before a page's cursor or before
 * 1970 (FHIR `date=lt1969-01-01`) is an empty page, never a 500. In-process app, in-memory KV.
 */
import assert from "node:assert/strict";
import { createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";
import { book } from "../_harness/book.ts";

const ENV = { RATE_LIMIT_DISABLED: "true", OTP_RESEND_COOLDOWN_SECONDS: "0" };
type Page = { items: { id: string; start: string }[]; nextCursor: string | null };
type Problem = { code: string; errors?: { path: string }[] };

Deno.test("lists: bad cursors and reversed ranges are 400s, ranges before a cursor are empty", async (t) => {
  await using app = await startApp(ENV);
  const { api } = app;
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin);
  const [a, b, c] = await firstSlots(api, doctor.id);
  const patient = await api.login(randomPhone());
  for (const slot of [a, b, c]) await book(api, patient, doctor.id, slot.start);
  const get = <T>(path: string) => api.request<T>("GET", path, { token: patient.accessToken });

  await t.step(
    "a malformed cursor is validation_failed on doctors, appointments and audit",
    async () => {
      for (const path of ["/v1/doctors", "/v1/appointments"]) {
        for (const cursor of ["garbage!", "bm90LWpzb24", btoa('["x"]')]) {
          const res = await get<Problem>(`${path}?cursor=${encodeURIComponent(cursor)}`);
          assert.equal(res.status, 400, `${path} ${cursor}: ${JSON.stringify(res.body)}`);
          assert.equal(res.body.code, "validation_failed");
        }
      }
      const audit = await api.request<Problem>("GET", "/v1/admin/audit?cursor=nope", {
        token: admin.accessToken,
      });
      assert.equal(audit.status, 400);
      assert.equal(audit.body.code, "validation_failed");
    },
  );

  await t.step("`from` after `to` is a 400 on appointments, slots and audit", async () => {
    const apps = await get<Problem>("/v1/appointments?from=2026-12-05&to=2026-12-01");
    assert.equal(apps.status, 400, JSON.stringify(apps.body));
    assert.equal(apps.body.code, "validation_failed");
    assert.deepEqual(apps.body.errors?.map((e) => e.path), ["from"]);
    const day = dateInDays(3);
    const slots = await get<Problem>(
      `/v1/doctors/${doctor.id}/slots?from=${day}&to=${dateInDays(1)}`,
    );
    assert.equal(slots.status, 400);
    const audit = await api.request<Problem>(
      "GET",
      "/v1/admin/audit?from=2026-12-05T00:00:00Z&to=2026-12-01T00:00:00Z",
      { token: admin.accessToken },
    );
    assert.equal(audit.status, 400);
    const same = await get<Page>(`/v1/appointments?from=${day}&to=${day}`);
    assert.equal(same.status, 200, "an empty range is allowed");
  });

  await t.step("`to` before the page's cursor is an empty page", async () => {
    const first = await get<Page>("/v1/appointments?limit=2");
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.items.map((i) => i.start), [a.start, b.start]);
    const to = new Date(Date.parse(a.start) + 60_000).toISOString();
    const next = await get<Page>(
      `/v1/appointments?limit=2&to=${encodeURIComponent(to)}&cursor=${first.body.nextCursor}`,
    );
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.deepEqual(next.body, { items: [], nextCursor: null });
  });

  await t.step("FHIR Appointment?date=lt1969-01-01 is an empty bundle", async () => {
    const res = await api.request<{ resourceType: string; entry?: unknown[] }>(
      "GET",
      "/fhir/R4/Appointment?date=lt1969-01-01",
      { token: patient.accessToken },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.resourceType, "Bundle");
    assert.equal(res.body.entry?.length ?? 0, 0);
  });
});
