/**
 * Three instances behind nginx with the records in MongoDB (FerretDB), holds on denokv and the
 * limits, OTP state and caches in Redis behind the Upstash bridge, as `deno task cluster --mongo
 * --upstash` runs them. Races that must end in one winner cluster-wide, from different instances
 * (holds, confirms, a patient's and a doctor's day's limits, reschedule against cancel or another
 * reschedule, confirm against release); listings exact on every instance right after each write
 * answered; an instance killed between the records write and its answer; outages of Redis and of
 * FerretDB; each webhook delivery and confirmation notice once. One cluster for all steps; each
 * step uses its own doctors and patients.
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
import { eventually } from "../_harness/eventually.ts";
import { listingStorm } from "../_harness/listing_storm.ts";
import { freePort } from "../_harness/ports.ts";
import { startServer } from "../_harness/server.ts";

type Body = Record<string, unknown>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The texts of the messages sent to `phone` (dev outbox, shared by the instances). */
async function messagesTo(api: Api, phone: string): Promise<string[]> {
  const res = await api.request<{ messages: { body: string }[] }>(
    "GET",
    `/v1/dev/outbox?to=${encodeURIComponent(phone)}`,
  );
  return res.body.messages.map((m) => m.body);
}

async function hold(api: Api, session: Session, doctorId: string, start: string) {
  return await api.request<Body>("POST", "/v1/holds", {
    token: session.accessToken,
    body: { doctorId, start },
  });
}

Deno.test({
  name:
    "cluster on MongoDB records: races across instances, exact listings, Redis and FerretDB outages",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const deliveries = new Map<string, number>();
    await using receiver = Deno.serve(
      { hostname: "127.0.0.1", port: freePort(), onListen() {} },
      (req) => {
        const id = req.headers.get("vaidya-delivery") ?? "?";
        deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
        return new Response(null, { status: 204 });
      },
    );
    await using cluster = await startCluster({
      instances: 3,
      mongo: true,
      upstash: true,
      env: {
        RATE_LIMIT_DISABLED: "true",
        LOG_LEVEL: "warn",
        REDIS_TIMEOUT_MS: "500",
        OUTBOX_POLL_MS: "100",
        // A change's inline notice is held back one lease time: after a crash, this much later.
        EVENT_LEASE_MS: "8000",
      },
    });
    const lb = new Api(cluster.url);
    const direct = cluster.instances.map((i) => new Api(i.url));
    const admin = await lb.loginAdmin();
    const hook = await direct[1].request<Body>("POST", "/v1/admin/webhooks", {
      token: admin.accessToken,
      body: {
        url: `http://127.0.0.1:${receiver.addr.port}/hook`,
        events: [
          "appointment.confirmed",
          "appointment.cancelled",
          "appointment.rescheduled",
          "slot.released",
        ],
      },
    });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));

    await t.step("60 patients on 3 instances race for 3 slots: exactly 3 holds", async () => {
      const doctor = await createDoctor(lb, admin);
      const slots = (await firstSlots(lb, doctor.id, dateInDays(3))).slice(0, 3);
      const patients = await Promise.all(
        Array.from({ length: 60 }, (_, i) => direct[i % 3].login(randomPhone())),
      );
      const results = await Promise.all(
        patients.map((p, i) => hold(direct[i % 3], p, doctor.id, slots[i % 3].start)),
      );
      assert.deepEqual(tallyAnswers(results), { "201": 3, "409 slot_unavailable": 57 });
      for (const api of direct) {
        const left = (await firstSlots(api, doctor.id, dateInDays(3))).map((s) => s.start);
        for (const s of slots) assert.ok(!left.includes(s.start), `held ${s.start} offered`);
      }
    });

    await t.step("one hold confirmed from 3 instances at once: one appointment", async () => {
      const doctor = await createDoctor(lb, admin);
      const [slot] = await firstSlots(lb, doctor.id, dateInDays(3));
      const patient = await lb.login(randomPhone());
      const held = await hold(direct[0], patient, doctor.id, slot.start);
      assert.equal(held.status, 201);
      const code = await lb.latestCode(patient.phone);
      const answers = await Promise.all(
        direct.map((api) =>
          api.request<Body>("POST", `/v1/holds/${held.body.id}/confirm`, {
            token: patient.accessToken,
            body: { code },
          })
        ),
      );
      // One books; another may meet the booking's claims before its insert: 503, try again.
      for (const a of answers) {
        if (a.status === 503) assert.ok(Number(a.headers.get("Retry-After")) >= 1);
        else assert.ok(a.status < 500, JSON.stringify(a.body));
      }
      const ids = new Set(
        answers.filter((a) => a.status === 201).map((a) => (a.body.appointment as Body).id),
      );
      assert.equal(ids.size, 1, JSON.stringify(answers.map((a) => [a.status, a.body])));
      const mine = await lb.request<{ items: Body[] }>("GET", "/v1/appointments", {
        token: patient.accessToken,
      });
      assert.equal(mine.body.items.length, 1, JSON.stringify(mine.body));
      await sleep(2_500);
      const notices = (await messagesTo(lb, patient.phone)).filter((m) => /confirmed for/.test(m));
      assert.equal(notices.length, 1, JSON.stringify(notices));
    });

    await t.step("one patient's holds from 3 instances at once stay within the limit", async () => {
      const doctor = await createDoctor(lb, admin);
      const slots = (await firstSlots(lb, doctor.id, dateInDays(4))).slice(0, 9);
      const patient = await lb.login(randomPhone());
      const answers = await Promise.all(
        slots.map((s, i) => hold(direct[i % 3], patient, doctor.id, s.start)),
      );
      const held = answers.filter((a) => a.status === 201).length;
      assert.ok(held <= 3, `${held} holds: ${JSON.stringify(tallyAnswers(answers))}`);
      for (const a of answers) assert.ok(a.status < 500, JSON.stringify(a.body));
    });

    await t.step("maxPerDay 1 with holds from 3 instances at once: one hold a day", async () => {
      const doctor = await createDoctor(lb, admin, {}, undefined, { maxPerDay: 1 });
      const overbooked: string[] = [];
      for (const day of [2, 3, 4].map((n) => dateInDays(n))) {
        const slots = (await firstSlots(lb, doctor.id, day)).slice(0, 6);
        const patients = await Promise.all(slots.map((_, i) => direct[i % 3].login(randomPhone())));
        const answers = await Promise.all(
          patients.map((p, i) => hold(direct[i % 3], p, doctor.id, slots[i].start)),
        );
        const held = answers.filter((a) => a.status === 201).length;
        if (held !== 1) overbooked.push(`${day}: ${JSON.stringify(tallyAnswers(answers))}`);
      }
      assert.deepEqual(overbooked, []);
    });

    await t.step("reschedule and cancel of one appointment from 2 instances at once", async () => {
      const problems: string[] = [];
      const told: { phone: string; moved: number; cancelled: number }[] = [];
      for (let round = 0; round < 4; round++) {
        const doctor = await createDoctor(lb, admin);
        const day = dateInDays(5);
        const [a, b] = await firstSlots(lb, doctor.id, day);
        const patient = await direct[0].login(randomPhone());
        const first = await hold(direct[0], patient, doctor.id, a.start);
        const booked = await direct[0].request<Body>(
          "POST",
          `/v1/holds/${first.body.id}/confirm`,
          { token: patient.accessToken, body: { code: await lb.latestCode(patient.phone) } },
        );
        assert.equal(booked.status, 201, JSON.stringify(booked.body));
        const id = (booked.body.appointment as Body).id as string;
        const second = await hold(direct[1], patient, doctor.id, b.start);
        assert.equal(second.status, 201, JSON.stringify(second.body));
        const [moved, cancelled] = await Promise.all([
          direct[1].request<Body>("POST", `/v1/appointments/${id}/reschedule`, {
            token: patient.accessToken,
            body: { holdId: second.body.id },
          }),
          direct[2].request<Body>("POST", `/v1/appointments/${id}/cancel`, {
            token: patient.accessToken,
            body: {},
          }),
        ]);
        for (const r of [moved, cancelled]) {
          if (r.status >= 500) problems.push(`${r.status} ${JSON.stringify(r.body)}`);
        }
        const final = await lb.request<Body>("GET", `/v1/appointments/${id}`, {
          token: patient.accessToken,
        });
        const mine = await lb.request<{ items: Body[] }>("GET", "/v1/appointments", {
          token: patient.accessToken,
        });
        const active = mine.body.items.filter((x) => x.status === "confirmed");
        // Whatever order they took, the booked intervals and what every instance offers agree.
        const busy = new Set(active.map((x) => x.start as string));
        for (const api of direct) {
          const offered = new Set((await firstSlots(api, doctor.id, day)).map((s) => s.start));
          for (const s of [a.start]) {
            if (busy.has(s) === offered.has(s)) {
              problems.push(
                `round ${round} ${api.baseUrl}: ${s} busy=${busy.has(s)} offered=${
                  offered.has(s)
                } (reschedule ${moved.status}, cancel ${cancelled.status}, final ${
                  JSON.stringify(final.body)
                })`,
              );
            }
          }
        }
        if (active.length > 1) problems.push(`round ${round}: ${active.length} confirmed`);
        if (cancelled.status === 200 && moved.status === 200 && final.body.status !== "cancelled") {
          problems.push(`round ${round}: both answered 200 but ${JSON.stringify(final.body)}`);
        }
        told.push({
          phone: patient.phone,
          moved: moved.status === 200 ? 1 : 0,
          cancelled: cancelled.status === 200 ? 1 : 0,
        });
      }
      // Each change that answered 200 told the patient once, whichever instance's relay ran.
      await sleep(1_500);
      for (const { phone, moved, cancelled } of told) {
        const texts = await messagesTo(lb, phone);
        const count = (re: RegExp) => texts.filter((m) => re.test(m)).length;
        if (count(/is moved to/) !== moved || count(/is cancelled/) !== cancelled) {
          problems.push(
            `${phone}: ${JSON.stringify(texts)} for ${moved} moves, ${cancelled} cancels`,
          );
        }
      }
      assert.deepEqual(problems, []);
    });

    await t.step(
      "a booking on one instance, cancel on another: listings exact at once",
      async () => {
        const doctor = await createDoctor(lb, admin);
        const day = dateInDays(3);
        const problems: string[] = [];
        for (let i = 0; i < 6; i++) {
          for (const api of direct) await firstSlots(api, doctor.id, day);
          const [slot] = await firstSlots(direct[i % 3], doctor.id, day);
          const patient = await direct[i % 3].login(randomPhone());
          const h = await hold(direct[i % 3], patient, doctor.id, slot.start);
          assert.equal(h.status, 201);
          for (const api of direct) {
            if ((await firstSlots(api, doctor.id, day)).some((s) => s.start === slot.start)) {
              problems.push(`held ${slot.start} offered on ${api.baseUrl}`);
            }
          }
          const c = await direct[(i + 1) % 3].request<Body>(
            "POST",
            `/v1/holds/${h.body.id}/confirm`,
            { token: patient.accessToken, body: { code: await lb.latestCode(patient.phone) } },
          );
          assert.equal(c.status, 201, JSON.stringify(c.body));
          for (const api of direct) {
            if ((await firstSlots(api, doctor.id, day)).some((s) => s.start === slot.start)) {
              problems.push(`booked ${slot.start} offered on ${api.baseUrl}`);
            }
          }
          const id = (c.body.appointment as Body).id;
          const x = await direct[(i + 2) % 3].request<Body>(
            "POST",
            `/v1/appointments/${id}/cancel`,
            {
              token: patient.accessToken,
              body: {},
            },
          );
          assert.equal(x.status, 200, JSON.stringify(x.body));
          for (const api of direct) {
            if (!(await firstSlots(api, doctor.id, day)).some((s) => s.start === slot.start)) {
              problems.push(`cancelled ${slot.start} not offered on ${api.baseUrl}`);
            }
          }
        }
        assert.deepEqual(problems, []);
      },
    );

    await t.step(
      "listings on every instance race holds and releases: no held slot once answered, released ones at once",
      async () => {
        const doctors: string[] = [];
        for (let i = 0; i < 3; i++) doctors.push((await createDoctor(lb, admin)).id);
        const patients = await Promise.all(
          Array.from({ length: 6 }, (_, i) => direct[i % 3].login(randomPhone())),
        );
        const checked = await listingStorm({
          apis: direct,
          doctors,
          day: dateInDays(3),
          patients,
          listersPerApi: 4,
        });
        assert.ok(checked > 30, `only ${checked} listings fell inside the windows`);
      },
    );

    await t.step(
      "hours changed on one instance: the others list the new hours at once",
      async () => {
        const doctor = await createDoctor(lb, admin);
        const day = dateInDays(4);
        for (const api of direct) assert.ok((await firstSlots(api, doctor.id, day)).length > 0);
        const closed = await direct[0].request<Body>(
          "PUT",
          `/v1/doctors/${doctor.id}/availability`,
          {
            token: admin.accessToken,
            body: {
              weekly: [],
              overrides: [{ date: day, unavailable: true }],
              minNoticeMinutes: 0,
              horizonDays: 60,
            },
          },
        );
        assert.equal(closed.status, 200, JSON.stringify(closed.body));
        for (const api of direct) {
          assert.deepEqual(await firstSlots(api, doctor.id, day), [], api.baseUrl);
          const profile = await api.request<Body>("GET", `/v1/doctors/${doctor.id}`);
          assert.equal(profile.status, 200);
        }
      },
    );

    await t.step("two reschedules of one appointment from 2 instances at once", async () => {
      const problems: string[] = [];
      for (let round = 0; round < 4; round++) {
        const doctor = await createDoctor(lb, admin);
        const day = dateInDays(5);
        const [a, b, c] = await firstSlots(lb, doctor.id, day);
        const patient = await direct[0].login(randomPhone());
        const first = await hold(direct[0], patient, doctor.id, a.start);
        const booked = await direct[0].request<Body>(
          "POST",
          `/v1/holds/${first.body.id}/confirm`,
          { token: patient.accessToken, body: { code: await lb.latestCode(patient.phone) } },
        );
        assert.equal(booked.status, 201, JSON.stringify(booked.body));
        const id = (booked.body.appointment as Body).id as string;
        const hb = await hold(direct[1], patient, doctor.id, b.start);
        const hc = await hold(direct[2], patient, doctor.id, c.start);
        assert.equal(hb.status, 201, JSON.stringify(hb.body));
        assert.equal(hc.status, 201, JSON.stringify(hc.body));
        const answers = await Promise.all(
          [[1, hb], [2, hc]].map(([n, h]) =>
            direct[n as number].request<Body>("POST", `/v1/appointments/${id}/reschedule`, {
              token: patient.accessToken,
              body: { holdId: (h as typeof hb).body.id },
            })
          ),
        );
        const ok = answers.filter((r) => r.status === 200);
        for (const r of answers) if (r.status >= 500) problems.push(JSON.stringify(r.body));
        if (ok.length !== 1) {
          problems.push(`round ${round}: ${answers.map((r) => `${r.status} ${r.body.code}`)}`);
        }
        // Release whatever hold is left: then only the appointment's time may be busy.
        for (const h of [hb, hc]) {
          await lb.request("DELETE", `/v1/holds/${h.body.id}`, { token: patient.accessToken });
        }
        const final = await lb.request<Body>("GET", `/v1/appointments/${id}`, {
          token: patient.accessToken,
        });
        for (const api of direct) {
          const offered = new Set((await firstSlots(api, doctor.id, day)).map((s) => s.start));
          for (const s of [a.start, b.start, c.start]) {
            if ((s === final.body.start) === offered.has(s)) {
              problems.push(
                `round ${round} ${api.baseUrl}: ${s} offered=${
                  offered.has(s)
                }, appointment at ${final.body.start}`,
              );
            }
          }
        }
      }
      assert.deepEqual(problems, []);
    });

    await t.step("confirm and release of one hold from 2 instances at once", async () => {
      const problems: string[] = [];
      for (let round = 0; round < 5; round++) {
        const doctor = await createDoctor(lb, admin);
        const day = dateInDays(6);
        const [slot] = await firstSlots(lb, doctor.id, day);
        const patient = await lb.login(randomPhone());
        const h = await hold(direct[0], patient, doctor.id, slot.start);
        const code = await lb.latestCode(patient.phone);
        const [confirmed, released] = await Promise.all([
          direct[1].request<Body>("POST", `/v1/holds/${h.body.id}/confirm`, {
            token: patient.accessToken,
            body: { code },
          }),
          direct[2].request<Body>("DELETE", `/v1/holds/${h.body.id}`, {
            token: patient.accessToken,
          }),
        ]);
        const mine = await lb.request<{ items: Body[] }>("GET", "/v1/appointments", {
          token: patient.accessToken,
        });
        const active = mine.body.items.filter((x) => x.status === "confirmed").length;
        const what = `confirm ${confirmed.status} ${
          confirmed.body?.code ?? ""
        }, release ${released.status}`;
        if (confirmed.status >= 500 || released.status >= 500) problems.push(what);
        if ((confirmed.status === 201) !== (active === 1)) {
          problems.push(`round ${round}: ${what}, ${active} confirmed`);
        }
        for (const api of direct) {
          const offered = (await firstSlots(api, doctor.id, day)).some((s) =>
            s.start === slot.start
          );
          if (offered === (active === 1)) {
            problems.push(`round ${round} ${api.baseUrl}: ${what}, offered=${offered}`);
          }
        }
      }
      assert.deepEqual(problems, []);
    });

    await t.step(
      "kill -9 between the records write and the answer: the booking stands",
      async () => {
        await using crashing = await startServer({
          kvPath: cluster.env.KV_PATH,
          env: { ...cluster.env, FAULT_INJECTION: "confirm.after_commit" },
        });
        const api = new Api(crashing.url);
        const doctor = await createDoctor(lb, admin);
        const day = dateInDays(8);
        const [slot] = await firstSlots(lb, doctor.id, day);
        for (const d of direct) await firstSlots(d, doctor.id, day);
        const patient = await lb.login(randomPhone());
        const h = await hold(direct[0], patient, doctor.id, slot.start);
        const code = await lb.latestCode(patient.phone);
        await api.request("POST", `/v1/holds/${h.body.id}/confirm`, {
          token: patient.accessToken,
          body: { code },
        }).catch(() => {});
        await crashing.stop();
        assert.equal(crashing.exitStatus()?.code, 86, "the fault injection ended it");
        // The patient retries on another instance: one appointment, the slot offered nowhere.
        const retry = await direct[2].request<Body>("POST", `/v1/holds/${h.body.id}/confirm`, {
          token: patient.accessToken,
          body: { code },
        });
        assert.equal(retry.status, 201, JSON.stringify(retry.body));
        const mine = await lb.request<{ items: Body[] }>("GET", "/v1/appointments", {
          token: patient.accessToken,
        });
        assert.equal(mine.body.items.filter((x) => x.status === "confirmed").length, 1);
        await sleep(3_000);
        const notices = await eventually("the confirmation notice", async () => {
          const got = (await messagesTo(lb, patient.phone)).filter((m) => /confirmed for/.test(m));
          return got.length > 0 ? got : undefined;
        }, { timeoutMs: 30_000, intervalMs: 500 });
        await sleep(2_000);
        assert.equal(notices.length, 1, JSON.stringify(notices));
        for (const d of direct) {
          const offered = (await firstSlots(d, doctor.id, day)).some((s) => s.start === slot.start);
          assert.ok(!offered, `booked slot offered on ${d.baseUrl}`);
        }
      },
    );

    await t.step("Redis down: API works (limits fail open), OTP answers 503", async () => {
      const doctor = await createDoctor(lb, admin);
      const patient = await lb.login(randomPhone());
      const [slot] = await firstSlots(lb, doctor.id, dateInDays(6));
      await cluster.redis!.restart(async () => {
        const answers = await Promise.all(
          direct.map((api) => api.request<Body>("GET", `/v1/doctors/${doctor.id}`)),
        );
        for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
        const h = await hold(direct[1], patient, doctor.id, slot.start);
        assert.ok(h.status === 201 || h.status === 503, JSON.stringify(h.body));
        if (h.status === 503) assert.ok(Number(h.headers.get("Retry-After")) >= 1);
        const otp = await direct[2].request<Body>("POST", "/v1/auth/otp", {
          body: { phone: randomPhone() },
        });
        assert.equal(otp.status, 503, JSON.stringify(otp.body));
        assert.ok(Number(otp.headers.get("Retry-After")) >= 1);
      });
      for (let i = 0; i < 40; i++) {
        const otp = await lb.request("POST", "/v1/auth/otp", { body: { phone: randomPhone() } });
        if (otp.status === 202) break;
        await sleep(250);
      }
      const again = await lb.login(randomPhone());
      assert.ok(again.accessToken);
    });

    await t.step(
      "FerretDB down mid-booking: 503 with Retry-After, nothing half-written",
      async () => {
        const doctor = await createDoctor(lb, admin);
        const day = dateInDays(7);
        const slots = (await firstSlots(lb, doctor.id, day)).slice(0, 6);
        const patients = await Promise.all(slots.map(() => lb.login(randomPhone())));
        const holds = await Promise.all(
          patients.map((p, i) => hold(direct[i % 3], p, doctor.id, slots[i].start)),
        );
        for (const h of holds) assert.equal(h.status, 201, JSON.stringify(h.body));
        const codes = await Promise.all(patients.map((p) => lb.latestCode(p.phone)));
        const confirming = patients.map((p, i) =>
          (async () => {
            await sleep(i * 40);
            return await direct[i % 3].request<Body>(
              "POST",
              `/v1/holds/${holds[i].body.id}/confirm`,
              {
                token: p.accessToken,
                body: { code: codes[i] },
              },
            );
          })()
        );
        await sleep(60);
        await cluster.mongo!.crash();
        const answers = await Promise.all(confirming);
        // Sent again once if the connection itself fails: in one CI run of 2026-12-04 (1 in ~10)
        // it met "connection reset by peer" right after the confirms (a pooled connection the
        // instance had closed, or the instance gone: the check below that every instance still
        // answers tells which, and the second try fails too if it is gone).
        const listing = () =>
          direct[0].request<Body>("GET", `/v1/doctors/${doctor.id}/slots?from=${day}&to=${day}`);
        const whileDown = await listing().catch(listing).catch((err) => {
          // The instance is gone (CI, 2026-12-04, twice in ~20 runs): its last log lines say why.
          throw new Error(
            `instance 0 does not answer while FerretDB is down: ${err}\n${
              cluster.instances[0].logs().slice(-4000)
            }`,
          );
        });
        await cluster.mongo!.restart();
        for (const [n, i] of cluster.instances.entries()) {
          const alive = await fetch(`${i.url}/healthz`).then((r) => r.body?.cancel(), (e) => e);
          assert.ok(!(alive instanceof Error), `instance ${n} is gone: ${i.logs().slice(-3000)}`);
        }
        const bad = answers.filter((a) => a.status >= 500 && a.status !== 503);
        assert.deepEqual(bad.map((a) => [a.status, a.body]), [], "no 500");
        for (const a of answers.filter((a) => a.status === 503)) {
          assert.ok(Number(a.headers.get("Retry-After")) >= 1, "Retry-After on 503");
        }
        assert.ok(
          whileDown.status === 200 || whileDown.status === 503,
          JSON.stringify(whileDown.body),
        );
        for (const api of direct) {
          for (let i = 0; i < 50 && (await api.request("GET", "/readyz")).status !== 200; i++) {
            await sleep(200);
          }
        }
        // Retry every confirm that did not answer 201: the booking lands once, or the hold lapsed.
        const final = await Promise.all(patients.map(async (p, i) => {
          if (answers[i].status === 201) return answers[i];
          return await direct[(i + 1) % 3].request<Body>(
            "POST",
            `/v1/holds/${holds[i].body.id}/confirm`,
            { token: p.accessToken, body: { code: codes[i] } },
          );
        }));
        const problems: string[] = [];
        for (const [i, p] of patients.entries()) {
          const mine = await lb.request<{ items: Body[] }>("GET", "/v1/appointments", {
            token: p.accessToken,
          });
          const active = mine.body.items.filter((x) => x.status === "confirmed");
          if (active.length !== 1) {
            problems.push(
              `patient ${i}: first ${answers[i].status} ${JSON.stringify(answers[i].body)}, retry ${
                final[i].status
              } ${JSON.stringify(final[i].body)}, ${active.length} confirmed`,
            );
          }
        }
        const offered = new Set((await firstSlots(lb, doctor.id, day)).map((s) => s.start));
        for (const s of slots) if (offered.has(s.start)) problems.push(`booked ${s.start} offered`);
        assert.deepEqual(problems, []);
      },
    );

    await t.step("every webhook delivery arrived once", async () => {
      await eventually("the relays are idle", () => deliveries.size > 20, {
        timeoutMs: 20_000,
        intervalMs: 200,
      });
      await sleep(3_000);
      const twice = [...deliveries].filter(([, n]) => n !== 1);
      assert.deepEqual(twice, [], `of ${deliveries.size}`);
    });
  },
});
