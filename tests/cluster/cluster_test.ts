/**
 * Three instances behind nginx (the production example config) on one denokv server, with the
 * Upstash bridge for caches, as `deno task cluster` runs them:
 * - 300 patients race through nginx for 3 slots: exactly 3 holds, and no 5xx;
 * - an appointment confirmed on one instance is seen on the others, cancelled on another, and its
 *   slot offered again everywhere (each instance's calendar view included);
 * - listings on every instance racing holds and releases never offer a slot once its hold
 *   answered, and offer it again once released (tests/_harness/listing_storm.ts);
 * - kill -9 of an instance while bookings run through nginx loses no confirmed appointment;
 * - denokv stopped for a few seconds: 503 with Retry-After, then recovery with nothing lost.
 * One cluster for all steps (start-up costs seconds); each step uses its own doctors.
 */
import assert from "node:assert/strict";
import {
  Api,
  createDoctor,
  dateInDays,
  firstSlots,
  randomPhone,
  type Session,
  tallyAnswers,
} from "../_harness/api.ts";
import { startCluster } from "../_harness/cluster.ts";
import { listingStorm } from "../_harness/listing_storm.ts";

type Body = Record<string, unknown>;
type Slot = { start: string; end: string };

/** Runs `work` over `items` with at most `limit` at once; answers in input order. */
async function pool<T, R>(items: T[], limit: number, work: (t: T, i: number) => Promise<R>) {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i], i);
    }
  }));
  return out;
}

/** Hold `slot` and confirm it with the code from the dev outbox; the confirm's answer. */
async function book(api: Api, session: Session, doctorId: string, slot: Slot) {
  const hold = await api.request<Body>("POST", "/v1/holds", {
    token: session.accessToken,
    body: { doctorId, start: slot.start },
  });
  if (hold.status !== 201) return { step: "hold", ...hold };
  const code = await api.latestCode(session.phone);
  const confirm = await api.request<Body>("POST", `/v1/holds/${hold.body.id}/confirm`, {
    token: session.accessToken,
    body: { code },
  });
  return { step: "confirm", ...confirm };
}

Deno.test({
  name: "cluster: 3 instances behind nginx on denokv race, share, survive kill -9 and a KV outage",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using cluster = await startCluster({
      instances: 3,
      upstash: true,
      env: { RATE_LIMIT_DISABLED: "true", KV_TIMEOUT_MS: "1000", LOG_LEVEL: "warn" },
    });
    const lb = new Api(cluster.url);
    const direct = cluster.instances.map((i) => new Api(i.url));
    const admin = await lb.loginAdmin();
    const confirmed: { id: string; token: string }[] = [];

    await t.step(
      "300 patients race through nginx for 3 slots: exactly 3 holds, no 5xx",
      async () => {
        const doctor = await createDoctor(lb, admin);
        const slots = (await firstSlots(lb, doctor.id)).slice(0, 3);
        assert.equal(slots.length, 3);
        const patients = await pool(
          Array.from({ length: 300 }, () => randomPhone()),
          30,
          (phone) => lb.login(phone),
        );
        const results = await Promise.all(
          patients.map((session, i) =>
            lb.request<Body>("POST", "/v1/holds", {
              token: session.accessToken,
              body: { doctorId: doctor.id, start: slots[i % 3].start },
            })
          ),
        );
        assert.deepEqual(tallyAnswers(results), { "201": 3, "409 slot_unavailable": 297 });
        const held = results.filter((r) => r.status === 201).map((r) => r.body.start).sort();
        assert.deepEqual(held, slots.map((s) => s.start).sort(), "one hold on each slot");
        const perInstance = await Promise.all(cluster.instances.map(async (i) => {
          const text = await fetch(`${i.url}/metrics`).then((r) => r.text());
          const counts = [...text.matchAll(
            /vaidya_http_request_duration_seconds_count\{method="POST",route="\/v1\/holds",status="\d+"\} (\d+)/g,
          )];
          return counts.reduce((sum, m) => sum + Number(m[1]), 0);
        }));
        assert.equal(perInstance.reduce((a, b) => a + b, 0), 300, perInstance.join(","));
        assert.ok(perInstance.every((n) => n > 0), `nginx spread the race: ${perInstance}`);
      },
    );

    await t.step(
      "listings on every instance race holds and releases: no held slot once answered, released ones at once",
      async () => {
        const doctors: string[] = [];
        for (let i = 0; i < 4; i++) doctors.push((await createDoctor(lb, admin)).id);
        const patients = await Promise.all(
          Array.from({ length: 8 }, (_, i) => direct[i % 3].login(randomPhone())),
        );
        const checked = await listingStorm({
          apis: direct,
          doctors,
          day: dateInDays(3),
          patients,
          listersPerApi: 8,
        });
        assert.ok(checked > 50, `only ${checked} listings fell inside the windows`);
      },
    );

    await t.step(
      "confirmed on one instance: seen, cancelled and offered again on the others",
      async () => {
        const doctor = await createDoctor(lb, admin);
        const day = dateInDays(3);
        // Every instance lists the day first, so each serves it from its calendar view.
        const before = await Promise.all(direct.map((api) => firstSlots(api, doctor.id, day)));
        const slot = before[0][0];
        for (const list of before) assert.ok(list.some((s) => s.start === slot.start));

        const patient = await direct[0].login(randomPhone());
        const done = await book(direct[0], patient, doctor.id, slot);
        assert.equal(done.status, 201, JSON.stringify(done.body));
        const appointment = done.body.appointment as { id: string };
        for (const api of direct.slice(1)) {
          const seen = await api.request<Body>("GET", `/v1/appointments/${appointment.id}`, {
            token: patient.accessToken,
          });
          assert.equal(seen.status, 200);
          assert.equal(seen.body.status, "confirmed");
          const list = await firstSlots(api, doctor.id, day);
          assert.ok(
            !list.some((s) => s.start === slot.start),
            "no instance offers the booked slot",
          );
        }
        const cancelled = await direct[2].request<Body>(
          "POST",
          `/v1/appointments/${appointment.id}/cancel`,
          { token: patient.accessToken, body: {} },
        );
        assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
        assert.equal(cancelled.body.status, "cancelled");
        for (const api of direct) {
          const list = await firstSlots(api, doctor.id, day);
          assert.ok(
            list.some((s) => s.start === slot.start),
            "the slot is offered again everywhere",
          );
          const seen = await api.request<Body>("GET", `/v1/appointments/${appointment.id}`, {
            token: patient.accessToken,
          });
          assert.equal(seen.body.status, "cancelled");
        }
      },
    );

    await t.step(
      "kill -9 of an instance during bookings loses no confirmed appointment",
      async () => {
        const doctors = [await createDoctor(lb, admin), await createDoctor(lb, admin)];
        const day = dateInDays(4);
        const work: { doctorId: string; slot: Slot }[] = [];
        for (const d of doctors) {
          for (const slot of await firstSlots(lb, d.id, day)) work.push({ doctorId: d.id, slot });
        }
        const victim = cluster.instances[1];
        let started = 0;
        const killed = (async () => {
          while (started < work.length / 3) await new Promise((r) => setTimeout(r, 20));
          await victim.kill();
        })();
        const results = await pool(work, 8, async ({ doctorId, slot }) => {
          started++;
          try {
            const session = await lb.login(randomPhone());
            return { session, ...(await book(lb, session, doctorId, slot)) };
          } catch (err) {
            return {
              session: null,
              step: "error",
              status: 0,
              body: { error: String(err) } as Body,
            };
          }
        });
        await killed;
        assert.notEqual(
          victim.server.exitStatus()?.code,
          0,
          "the instance was killed, not stopped",
        );
        const statuses = tallyAnswers(results);
        // A request in flight on the killed instance gets nginx's 502; the app itself never 500s.
        for (const key of Object.keys(statuses)) {
          assert.ok(!key.startsWith("500"), `no 500 from the app: ${JSON.stringify(statuses)}`);
        }
        const ok = results.filter((r) => r.step === "confirm" && r.status === 201);
        assert.ok(
          ok.length >= work.length / 2,
          `most bookings went through: ${JSON.stringify(statuses)}`,
        );
        await victim.restart();
        for (const r of ok) {
          const id = (r.body.appointment as { id: string }).id;
          confirmed.push({ id, token: r.session!.accessToken });
          for (const api of direct) {
            const seen = await api.request<Body>("GET", `/v1/appointments/${id}`, {
              token: r.session!.accessToken,
            });
            assert.equal(seen.status, 200, `appointment ${id} on ${api.baseUrl}`);
            assert.equal(seen.body.status, "confirmed");
          }
        }
        for (const d of doctors) {
          const left = await firstSlots(lb, d.id, day);
          const booked = ok.filter((r) => (r.body.appointment as Body).doctorId === d.id);
          for (const r of booked) {
            const start = (r.body.appointment as Body).start;
            assert.ok(!left.some((s) => s.start === start), "a confirmed slot is not offered");
          }
        }
      },
    );

    await t.step(
      "denokv down for a few seconds: 503 with Retry-After, then nothing lost",
      async () => {
        assert.ok(confirmed.length > 0);
        await cluster.denokv.halt();
        try {
          const probes = await Promise.all(
            direct.map((api) =>
              api.request<Body>("GET", `/v1/appointments/${confirmed[0].id}`, {
                token: confirmed[0].token,
              })
            ),
          );
          const viaNginx = await lb.request<Body>("GET", `/v1/appointments/${confirmed[0].id}`, {
            token: confirmed[0].token,
          });
          for (const res of [...probes, viaNginx]) {
            assert.equal(res.status, 503, JSON.stringify(res.body));
            assert.equal(res.body.code, "service_unavailable");
            assert.ok(Number(res.headers.get("Retry-After")) >= 1, "Retry-After is set");
          }
          const ready = await lb.request<Body>("GET", "/readyz");
          assert.equal(ready.status, 503);
          await new Promise((r) => setTimeout(r, 2_000));
        } finally {
          await cluster.denokv.restart();
        }
        for (const api of direct) {
          for (let i = 0; i < 50 && (await api.request("GET", "/readyz")).status !== 200; i++) {
            await new Promise((r) => setTimeout(r, 100));
          }
        }
        for (const { id, token } of confirmed) {
          const seen = await lb.request<Body>("GET", `/v1/appointments/${id}`, { token });
          assert.equal(seen.status, 200);
          assert.equal(seen.body.status, "confirmed", `appointment ${id} survived the outage`);
        }
        const doctor = await createDoctor(lb, admin);
        const [slot] = await firstSlots(lb, doctor.id, dateInDays(5));
        const after = await book(lb, await lb.login(randomPhone()), doctor.id, slot);
        assert.equal(after.status, 201, "booking works again after the outage");
      },
    );
  },
});
