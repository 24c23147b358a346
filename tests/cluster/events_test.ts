/**
 * Events across instances, with the transactional outbox drained by every instance (issue 13):
 * three instances behind nginx on one denokv.
 * - kill -9 of an instance while bookings run loses no event: every appointment a client saw
 *   confirmed reaches the webhook, under one event id, whichever instance delivers it;
 * - a reminder due soon is sent once cluster-wide, not once per instance. The instances' clocks
 *   are shifted (CLOCK_OFFSET_MS, test only) so that the 1-hour reminder of an appointment falls
 *   due about 45 s after the test starts, instead of waiting an hour.
 */
import assert from "node:assert/strict";
import { Api, randomPhone, type Session, WEEKDAYS } from "../_harness/api.ts";
import { startCluster } from "../_harness/cluster.ts";
import { eventually } from "../_harness/eventually.ts";

type Body = Record<string, unknown>;
type Slot = { start: string; end: string };
const HOUR = 3_600_000;
const GRID = 5 * 60_000;
const REMINDER_DUE_AFTER_MS = 45_000;

/** A doctor with 5-minute slots all day, every day, bookable at once. */
async function allDayDoctor(api: Api, admin: Session): Promise<string> {
  const created = await api.request<{ id: string }>("POST", "/v1/admin/doctors", {
    token: admin.accessToken,
    body: {
      name: "Dr. Meera Iyer",
      phone: randomPhone(),
      specializations: ["Kayachikitsa"],
      languages: ["en"],
      city: "Chennai",
      timezone: "Asia/Kolkata",
      slotMinutes: 5,
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const hours = await api.request("PUT", `/v1/doctors/${created.body.id}/availability`, {
    token: admin.accessToken,
    body: {
      weekly: WEEKDAYS.map((day) => ({ day, start: "00:00", end: "23:55" })),
      overrides: [],
      minNoticeMinutes: 0,
      horizonDays: 60,
    },
  });
  assert.equal(hours.status, 200, JSON.stringify(hours.body));
  return created.body.id;
}

async function slotsAround(api: Api, doctorId: string, atMs: number): Promise<Slot[]> {
  const day = (ms: number) =>
    new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Kolkata" }).format(ms);
  const res = await api.request<{ slots: Slot[] }>(
    "GET",
    `/v1/doctors/${doctorId}/slots?from=${day(atMs - 86_400_000)}&to=${day(atMs + 86_400_000)}`,
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.slots;
}

async function book(api: Api, session: Session, doctorId: string, slot: Slot) {
  const hold = await api.request<Body>("POST", "/v1/holds", {
    token: session.accessToken,
    body: { doctorId, start: slot.start },
  });
  if (hold.status !== 201) return hold;
  const code = await api.latestCode(session.phone);
  return await api.request<{ appointment: { id: string } }>(
    "POST",
    `/v1/holds/${hold.body.id}/confirm`,
    { token: session.accessToken, body: { code } },
  );
}

Deno.test({
  name: "cluster events: kill -9 loses no event; a reminder due soon is sent once cluster-wide",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const deliveries: { eventId: string; type: string; appointmentId: string }[] = [];
    const receiver = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      const body = JSON.parse(await req.text());
      deliveries.push({
        eventId: body.id,
        type: body.type,
        appointmentId: body.data.appointmentId,
      });
      return new Response(null, { status: 204 });
    });
    // App time = real time + offset: the reminder slot starts 1 h + 45 s after the test began.
    const began = Date.now();
    const reminderStart = Math.ceil((began + 2 * HOUR) / GRID) * GRID;
    const offset = reminderStart - HOUR - (began + REMINDER_DUE_AFTER_MS);
    try {
      await using cluster = await startCluster({
        instances: 3,
        env: {
          RATE_LIMIT_DISABLED: "true",
          EVENT_RETRY_BASE_MS: "100",
          OUTBOX_POLL_MS: "200",
          // A delivery the victim had leased when it died is taken over once its lease lapses:
          // keep the lease short (it must exceed the webhook timeout) so that fits the wait below.
          WEBHOOK_TIMEOUT_MS: "1000",
          EVENT_LEASE_MS: "3000",
          CLOCK_OFFSET_MS: String(offset),
          LOG_LEVEL: "warn",
        },
      });
      const lb = new Api(cluster.url);
      const admin = await lb.loginAdmin();
      const hook = await lb.request<Body>("POST", "/v1/admin/webhooks", {
        token: admin.accessToken,
        body: {
          url: `http://127.0.0.1:${receiver.addr.port}/vaidya`,
          events: ["appointment.confirmed"],
        },
      });
      assert.equal(hook.status, 201, JSON.stringify(hook.body));
      const doctorId = await allDayDoctor(lb, admin);
      const slots = await slotsAround(lb, doctorId, reminderStart);

      const reminded = await lb.login(randomPhone());
      const reminderSlot = slots.find((s) => Date.parse(s.start) === reminderStart);
      assert.ok(reminderSlot, "the reminder slot is offered");
      const booked = await book(lb, reminded, doctorId, reminderSlot);
      assert.equal(booked.status, 201, JSON.stringify(booked.body));
      assert.ok(Date.now() < began + REMINDER_DUE_AFTER_MS, "booked before the reminder is due");

      await t.step("kill -9 of an instance during bookings loses no event", async () => {
        const later = slots.filter((s) => Date.parse(s.start) > reminderStart + HOUR).slice(0, 24);
        const victim = cluster.instances[1];
        const confirmed: string[] = [];
        const failures: string[] = [];
        let started = 0;
        const killing = (async () => {
          while (started < 8) await new Promise((r) => setTimeout(r, 20));
          await victim.kill();
        })();
        const queue = [...later];
        await Promise.all(Array.from({ length: 6 }, async () => {
          while (queue.length > 0) {
            const slot = queue.shift()!;
            started++;
            try {
              const res = await book(lb, await lb.login(randomPhone()), doctorId, slot);
              if (res.status === 201) {
                confirmed.push((res.body as { appointment: { id: string } }).appointment.id);
              } else assert.ok(res.status < 500 || res.status === 502, `status ${res.status}`);
            } catch (err) {
              // A login whose request died with the instance: that booking was never made.
              failures.push(String(err));
            }
          }
        }));
        await killing;
        await victim.restart();
        for (const f of failures) assert.doesNotMatch(f, /\b500\b/, "the app never answers 500");
        assert.ok(confirmed.length >= 12, `most bookings went through: ${confirmed.length}`);
        const all = [(booked.body as { appointment: { id: string } }).appointment.id, ...confirmed];
        await eventually("a webhook for every confirmed appointment", () => {
          const seen = new Set(deliveries.map((d) => d.appointmentId));
          return all.every((id) => seen.has(id));
        }, { timeoutMs: 30_000, intervalMs: 200 });
        for (const id of all) {
          const ids = new Set(
            deliveries.filter((d) => d.appointmentId === id).map((d) => d.eventId),
          );
          assert.equal(ids.size, 1, `appointment ${id}: one event, maybe redelivered`);
        }
        assert.ok(deliveries.every((d) => d.type === "appointment.confirmed"));
      });

      await t.step("the 1-hour reminder is sent once, by one of three instances", async () => {
        const reminders = async () => {
          const box = await lb.request<{ messages: { body: string }[] }>(
            "GET",
            `/v1/dev/outbox?to=${encodeURIComponent(reminded.phone)}`,
          );
          return box.body.messages.filter((m) => /in 1 hour/.test(m.body));
        };
        const waitMs = began + REMINDER_DUE_AFTER_MS + 20_000 - Date.now();
        await eventually("the reminder", async () => {
          return (await reminders()).length > 0 ? true : undefined;
        }, { timeoutMs: Math.max(waitMs, 5_000), intervalMs: 200 });
        // Every instance polls every 200 ms: give the others time to send it again, wrongly.
        await new Promise((r) => setTimeout(r, 2_000));
        assert.equal((await reminders()).length, 1, "sent once cluster-wide");
      });
    } finally {
      await receiver.shutdown();
    }
  },
});
