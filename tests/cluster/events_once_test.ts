/**
 * Two instances on one denokv server deliver every event once (issues 13 and 14): both run their
 * outbox relay over the same outbox, and the leases let only one of them act per handler and
 * event. Changes are spread over both instances; a webhook receiver counts deliveries by their
 * delivery id, and reminders falling due a few seconds after the booking (test offsets) reach each
 * patient once, not once per instance. In-process apps, real KV Connect: the test is about the
 * shared store, not about processes.
 */
import assert from "node:assert/strict";
import { createApp } from "../../src/app.ts";
import { bootstrap, type Runtime } from "../../src/bootstrap.ts";
import { loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { Api, createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { startDenoKv } from "../_harness/denokv.ts";
import { eventually } from "../_harness/eventually.ts";
import { freePort } from "../_harness/ports.ts";
import { ADMIN_PHONE } from "../_harness/server.ts";

type Body = Record<string, unknown>;
const REMINDER_AFTER_SECONDS = 2;

Deno.test({
  name: "two instances on one denokv: each webhook delivery id arrives once, each reminder once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const deliveries = new Map<string, number>();
    const receiver = Deno.serve(
      { hostname: "127.0.0.1", port: freePort(), onListen() {} },
      (req) => {
        const id = req.headers.get("vaidya-delivery") ?? "?";
        deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
        return new Response(null, { status: 204 });
      },
    );
    const denokv = await startDenoKv();
    const env = {
      ...denokv.env,
      APP_ENV: "test",
      LOG_LEVEL: "error",
      ADMIN_PHONES: ADMIN_PHONE,
      RATE_LIMIT_DISABLED: "true",
      OUTBOX_POLL_MS: "100",
      REMINDER_TEST_DUE_SECONDS: String(REMINDER_AFTER_SECONDS),
    };
    const runtimes: Runtime[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        runtimes.push(
          await bootstrap(loadConfig(env), createLogger({ level: "error", write: () => {} })),
        );
      }
      const apis = runtimes.map((r) => {
        const app = createApp(r.deps, { clientIp: () => "127.0.0.1" });
        return new Api("http://vaidya.test", (req) => app.fetch(req));
      });
      const [a, b] = apis;
      const admin = await a.loginAdmin();
      const doctor = await createDoctor(a, admin);
      const hook = await b.request<Body>("POST", "/v1/admin/webhooks", {
        token: (await b.loginAdmin()).accessToken,
        body: {
          url: `http://127.0.0.1:${receiver.addr.port}/hook`,
          events: ["appointment.confirmed", "appointment.cancelled", "slot.released"],
        },
      });
      assert.equal(hook.status, 201, JSON.stringify(hook.body));

      // Three patients: held on one instance, confirmed on the other; the last one cancels.
      const slots = await firstSlots(a, doctor.id, dateInDays(3));
      const booked: { phone: string; id: string; api: Api; token: string }[] = [];
      for (let i = 0; i < 3; i++) {
        const [here, there] = i % 2 === 0 ? [a, b] : [b, a];
        const phone = randomPhone();
        const patient = await here.login(phone);
        const hold = await here.request<Body>("POST", "/v1/holds", {
          token: patient.accessToken,
          body: { doctorId: doctor.id, start: slots[i].start },
        });
        assert.equal(hold.status, 201, JSON.stringify(hold.body));
        const ok = await there.request<{ appointment: Body }>(
          "POST",
          `/v1/holds/${hold.body.id}/confirm`,
          { token: patient.accessToken, body: { code: await here.latestCode(phone) } },
        );
        assert.equal(ok.status, 201, JSON.stringify(ok.body));
        booked.push({
          phone,
          id: ok.body.appointment.id as string,
          api: here,
          token: patient.accessToken,
        });
      }
      const last = booked[2];
      const cancel = await last.api.request("POST", `/v1/appointments/${last.id}/cancel`, {
        token: last.token,
        body: {},
      });
      assert.equal(cancel.status, 200, JSON.stringify(cancel.body));

      const messagesTo = async (phone: string) =>
        (await a.request<{ messages: { body: string }[] }>(
          "GET",
          `/v1/dev/outbox?to=${encodeURIComponent(phone)}`,
        )).body.messages.map((m) => m.body);
      await eventually(
        "every webhook delivery",
        () => deliveries.size >= 5,
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      await eventually("both reminders of the two kept appointments", async () => {
        for (const p of booked.slice(0, 2)) {
          const bodies = await messagesTo(p.phone);
          if (!bodies.some((t) => /in 1 hour/.test(t))) return undefined;
        }
        return true;
      }, { timeoutMs: 20_000, intervalMs: 200 });
      // Let both relays make several more passes: nothing may arrive twice.
      await new Promise((r) => setTimeout(r, 1_500));

      const ids = [...deliveries.keys()];
      for (const p of booked) assert.ok(ids.includes(`appointment.confirmed:${p.id}`), p.id);
      assert.ok(ids.includes(`appointment.cancelled:${last.id}:v2`));
      assert.ok(ids.includes(`slot.released:${last.id}:v2`));
      for (const [id, n] of deliveries) assert.equal(n, 1, `delivery ${id} arrived ${n} times`);
      for (const p of booked.slice(0, 2)) {
        const bodies = await messagesTo(p.phone);
        assert.equal(bodies.filter((t) => /confirmed for/.test(t)).length, 1, p.phone);
        assert.equal(bodies.filter((t) => /in 24 hours/.test(t)).length, 1, p.phone);
        assert.equal(bodies.filter((t) => /in 1 hour/.test(t)).length, 1, p.phone);
      }
      const cancelled = await messagesTo(last.phone);
      assert.equal(cancelled.filter((t) => /cancelled/.test(t)).length, 1);
      assert.equal(
        cancelled.filter((t) => /Reminder/.test(t)).length,
        0,
        "no reminder after cancel",
      );
    } finally {
      for (const r of runtimes) await r.close();
      await denokv.stop();
      await receiver.shutdown();
    }
  },
});
