/**
 * One hot doctor shared by several instances: each of `workers` patients holds a slot of its own on
 * the same doctor and releases it, round after round, through the instance `worker % instances`
 * (directly, not through nginx, so each instance's share is known). Every hold and release is a
 * commit on that doctor's calendar version, so the instances race for one key. Used by
 * tests/cluster/hot_doctor_test.ts (no 5xx, every instance served) and by
 * `deno task bench:hot-doctor` (how long each instance's writes took).
 *
 * Bounded in count and time: each worker stops after `rounds` rounds or at `untilMs`.
 */
import { Api, createDoctor, dateInDays, firstSlots, loginMany } from "./api.ts";
import type { Cluster } from "./cluster.ts";

export interface HotDoctorOptions {
  workers?: number;
  rounds?: number;
  /** Wall-clock limit for the whole run (ms from its start). */
  limitMs?: number;
}

export interface InstanceShare {
  url: string;
  /** Answers by "METHOD status", e.g. "POST 201". */
  answers: Record<string, number>;
  /** Milliseconds each hold ("POST") and release ("DELETE") took, in the order they answered. */
  latenciesMs: { POST: number[]; DELETE: number[] };
  /** Rounds (a hold and its release) its workers finished. */
  rounds: number;
  /** Its calendar commits another instance's write beat (`vaidya_calendar_races_lost_total`). */
  racesLost: number;
}

export interface HotDoctorRun {
  doctorId: string;
  instances: InstanceShare[];
  /** Problems of every 5xx (or a failed request), for the failure message. */
  failures: string[];
  wallMs: number;
}

export async function runHotDoctor(
  cluster: Cluster,
  { workers = 16, rounds = 25, limitMs = 60_000 }: HotDoctorOptions = {},
): Promise<HotDoctorRun> {
  const entry = new Api(cluster.url);
  const admin = await entry.loginAdmin();
  const doctor = await createDoctor(entry, admin, {}, { start: "00:00", end: "23:30" });
  const slots = await firstSlots(entry, doctor.id, dateInDays(3));
  if (slots.length < workers) throw new RangeError(`only ${slots.length} slots for ${workers}`);
  const apis = cluster.instances.map((i) => new Api(i.url));
  const patients = await loginMany(apis, workers);
  const shares: InstanceShare[] = cluster.instances.map((i) => ({
    url: i.url,
    answers: {},
    latenciesMs: { POST: [], DELETE: [] },
    rounds: 0,
    racesLost: 0,
  }));
  const failures: string[] = [];

  const started = performance.now();
  const until = started + limitMs;
  const timed = async (
    share: InstanceShare,
    api: Api,
    method: "POST" | "DELETE",
    path: string,
    token: string,
    body?: unknown,
  ) => {
    const t0 = performance.now();
    try {
      const res = await api.request<Record<string, unknown>>(method, path, { token, body });
      share.latenciesMs[method].push(performance.now() - t0);
      const kind = `${method} ${res.status}`;
      share.answers[kind] = (share.answers[kind] ?? 0) + 1;
      if (res.status >= 500) failures.push(`${share.url} ${kind} ${JSON.stringify(res.body)}`);
      return res;
    } catch (err) {
      failures.push(`${share.url} ${method} ${err}`);
      return null;
    }
  };
  const worker = async (n: number) => {
    const { api, session } = patients[n];
    const share = shares[n % apis.length];
    for (let round = 0; round < rounds && performance.now() < until; round++) {
      const held = await timed(share, api, "POST", "/v1/holds", session.accessToken, {
        doctorId: doctor.id,
        start: slots[n].start,
      });
      if (held?.status !== 201) continue;
      const released = await timed(
        share,
        api,
        "DELETE",
        `/v1/holds/${held.body.id}`,
        session.accessToken,
      );
      if (released?.status === 204) share.rounds++;
    }
  };
  // loginMany spread the patients over the instances in turn, as `n % instances` does.
  await Promise.all(Array.from({ length: workers }, (_, n) => worker(n)));
  for (const share of shares) share.racesLost = await racesLost(share.url);
  return { doctorId: doctor.id, instances: shares, failures, wallMs: performance.now() - started };
}

/** An instance's `vaidya_calendar_races_lost_total` (0 while it has lost none). */
async function racesLost(url: string): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  const found = /^vaidya_calendar_races_lost_total (\d+)$/m.exec(text);
  return found ? Number(found[1]) : 0;
}
