/**
 * 90-minute visits (18 five-minute cells) and a 5-session course of them on a real denokv, where
 * one atomic commit may carry at most 10 checks: hold, confirm, cancel and the slot offered again
 * answer as on a local KV file, never a 500. The app runs in this process (`startApp`) on
 * the denokv; the limit under test is the server's.
 */
import assert from "node:assert/strict";
import { createDoctor, firstSlots, randomPhone } from "../_harness/api.ts";
import { startDenoKv } from "../_harness/denokv.ts";
import { startApp } from "../_harness/app.ts";

type Body = Record<string, unknown>;

Deno.test({
  name: "90-minute visits and a 5-session course of them hold, confirm and cancel on denokv",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const denokv = await startDenoKv();
    try {
      await using app = await startApp({ KV_PATH: denokv.url, RATE_LIMIT_DISABLED: "true" });
      const { api } = app;
      const doctor = await createDoctor(api, await api.loginAdmin(), { slotMinutes: 90 });

      await t.step("a 90-minute visit: hold, confirm, cancel, offered again", async () => {
        const [slot] = await firstSlots(api, doctor.id);
        assert.equal(Date.parse(slot.end) - Date.parse(slot.start), 90 * 60_000);
        const patient = await api.login(randomPhone());
        const hold = await api.request<Body>("POST", "/v1/holds", {
          token: patient.accessToken,
          body: { doctorId: doctor.id, start: slot.start },
        });
        assert.equal(hold.status, 201, JSON.stringify(hold.body));
        const code = await api.latestCode(patient.phone);
        const done = await api.request<{ appointment: { id: string } }>(
          "POST",
          `/v1/holds/${hold.body.id}/confirm`,
          { token: patient.accessToken, body: { code } },
        );
        assert.equal(done.status, 201, JSON.stringify(done.body));
        assert.ok(!(await firstSlots(api, doctor.id)).some((s) => s.start === slot.start));
        const cancelled = await api.request<Body>(
          "POST",
          `/v1/appointments/${done.body.appointment.id}/cancel`,
          { token: patient.accessToken, body: {} },
        );
        assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
        assert.ok((await firstSlots(api, doctor.id)).some((s) => s.start === slot.start));
      });

      await t.step("a course of five 90-minute sessions: hold, confirm, cancel", async () => {
        const slots = await firstSlots(api, doctor.id);
        const patient = await api.login(randomPhone());
        const held = await api.request<{ id: string; sessions: unknown[] }>("POST", "/v1/courses", {
          token: patient.accessToken,
          body: { doctorId: doctor.id, start: slots[1].start, count: 5, everyDays: 1 },
        });
        assert.equal(held.status, 201, JSON.stringify(held.body));
        assert.equal(held.body.sessions.length, 5);
        const code = await api.latestCode(patient.phone);
        const confirmed = await api.request<{ status: string }>(
          "POST",
          `/v1/courses/${held.body.id}/confirm`,
          { token: patient.accessToken, body: { code } },
        );
        assert.equal(confirmed.status, 201, JSON.stringify(confirmed.body));
        assert.equal(confirmed.body.status, "confirmed");
        const cancelled = await api.request<{ status: string }>(
          "POST",
          `/v1/courses/${held.body.id}/cancel`,
          { token: patient.accessToken },
        );
        assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
        assert.ok((await firstSlots(api, doctor.id)).some((s) => s.start === slots[1].start));
      });
    } finally {
      await denokv.stop();
    }
  },
});
