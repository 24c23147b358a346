/**
 * Counts MongoDB commands per step of one booking on the mongo store (login, slot listing, hold,
 * confirm, the relay's pass), driving the real app in this process (`inProcessAppOn`) against a
 * throw-away FerretDB and redis-server behind the Upstash bridge, as `deno task load --store mongo`
 * runs them. Every command the driver sends is seen through its command monitoring
 * (`monitorCommands`), so each step is told by command and collection; FerretDB's own counter
 * (`commandCounts`) is printed beside the total as a check. Then 50 bookings at once, as under load,
 * with FerretDB's CPU per booking (from /proc).
 *
 * Usage: [AT_ONCE=N] [FERRETDB_BIN=path] deno run -A scripts/load/count_mongo_ops.ts [--trace]
 *          [--busy-weeks]
 * `--trace` also prints, for each single-request step, every command with its collection;
 * `--busy-weeks` counts with `MONGODB_BUSY_WEEKS=true` (a rolling deploy from the release that
 * reads `busy_weeks`: src/stores/mongo/busy_weeks.ts);
 * `AT_ONCE` sets how many bookings run at once (50), `FERRETDB_BIN` which FerretDB build runs.
 */
import { MongoClient } from "mongodb";
import { startRedis, startUpstashBridge } from "../../tests/_harness/redis.ts";
import { cpuByProgram } from "./process_cpu.ts";
import {
  bookingDay,
  countedSteps,
  doctorSteps,
  holdAndConfirmSteps,
  IN_PROCESS_ADMIN as ADMIN,
  inProcessAppOn,
  loginSteps,
} from "./in_process_app.ts";

const trace = Deno.args.includes("--trace");
const busyWeeks = Deno.args.includes("--busy-weeks");
/** Commands seen, as "command collection" → count: per step, and since the start. */
let seen = new Map<string, number>();
const all = new Map<string, number>();
const traced: string[] = [];
let perStep = true;

// The app's client is built with `monitorCommands=true` in its URI; each started command is
// emitted on the client, so one hook on `emit` sees them all.
const emit = MongoClient.prototype.emit;
Object.defineProperty(MongoClient.prototype, "emit", {
  value(this: MongoClient, name: string, ...args: unknown[]) {
    if (name === "commandStarted") {
      const e = args[0] as { commandName: string; command: Record<string, unknown> };
      const target = e.command[e.commandName];
      const what = `${e.commandName} ${typeof target === "string" ? target : ""}`.trim();
      seen.set(what, (seen.get(what) ?? 0) + 1);
      all.set(what, (all.get(what) ?? 0) + 1);
      if (trace && perStep) traced.push(what);
    }
    return (emit as (...a: unknown[]) => boolean).call(this, name, ...args);
  },
});

const redis = await startRedis();
const bridge = await startUpstashBridge(redis.port);
const { relay, call, close, mongo: started } = await inProcessAppOn({
  kv: "file",
  mongo: { countCommands: true },
  env: (ferret) => ({
    MONGODB_URI: `${ferret!.uri}?monitorCommands=true`,
    UPSTASH_REDIS_REST_URL: bridge.url,
    UPSTASH_REDIS_REST_TOKEN: bridge.token,
    ...(busyWeeks ? { MONGODB_BUSY_WEEKS: "true" } : {}),
  }),
}).catch(async (err) => {
  await bridge.stop();
  await redis.stop();
  throw err;
});
const mongo = started!; // asked for above

const rows: { step: string; total: number; by: Map<string, number> }[] = [];
async function counted<T>(name: string, fn: () => Promise<T>): Promise<T> {
  seen = new Map();
  const out = await fn();
  const total = [...seen.values()].reduce((a, b) => a + b, 0);
  if (perStep) rows.push({ step: name, total, by: seen });
  if (trace && perStep) console.log(`## ${name}\n  ${traced.splice(0).join("\n  ")}`);
  return out;
}
const step = countedSteps(call, counted);
const login = (phone: string) => loginSteps(step, phone);
const fmt = (by: Map<string, number>) =>
  [...by].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(
    ", ",
  );

try {
  const admin = await login(ADMIN);
  const newDoctor = (n: number) => doctorSteps(step, admin.accessToken, "Count", n);
  const doctor = await newDoctor(0);
  if (relay) await relay.drainAll();
  rows.length = 0;

  /** Login, listing, hold and confirm; with `drain`, the relay's pass after them. */
  const flow = async (doctorId: string, phone: string, drain = true) => {
    const patient = await login(phone);
    const day = bookingDay();
    const { slots } = await step<{ slots: { start: string }[] }>(
      "GET /v1/doctors/:id/slots",
      "GET",
      `/v1/doctors/${doctorId}/slots?from=${day}&to=${day}`,
    );
    await holdAndConfirmSteps(step, {
      doctorId,
      start: slots[0].start,
      phone,
      accessToken: patient.accessToken,
    });
    if (relay && drain) {
      await counted("outbox relay (what is due after the booking)", () => relay.drainAll());
    }
  };
  // A new patient first, then a second booking by the same patient with the same doctor.
  await flow(doctor.id, "+917300000001");
  const first = rows.splice(0);
  await flow(doctor.id, "+917300000001");
  const again = rows.splice(0);
  for (
    const [label, list] of [["first booking, new patient", first], [
      "second booking, same patient",
      again,
    ]] as const
  ) {
    console.log(
      `\n${label}\n| step | commands | by command and collection |\n| --- | ---: | --- |`,
    );
    for (const r of list) console.log(`| ${r.step} | ${r.total} | ${fmt(r.by)} |`);
    const sum = new Map<string, number>();
    for (const r of list) for (const [k, n] of r.by) sum.set(k, (sum.get(k) ?? 0) + n);
    console.log(`| total | ${list.reduce((s, r) => s + r.total, 0)} | ${fmt(sum)} |`);
  }

  perStep = false;
  const AT_ONCE = Number(Deno.env.get("AT_ONCE") ?? 50);
  const doctors = [];
  for (let n = 1; n <= AT_ONCE; n++) doctors.push(await newDoctor(n));
  if (relay) await relay.drainAll();
  const ferretCpu = async () => (await cpuByProgram().catch(() => null))?.get("ferretdb") ?? NaN;
  const ferretBefore = await mongo.commandCounts();
  const cpuBefore = await ferretCpu();
  const before = new Map(all);
  await Promise.all(
    doctors.map(({ id }, i) => flow(id, `+9173100${String(i).padStart(5, "0")}`, false)),
  );
  if (relay) await relay.drainAll();
  const ferretAfter = await mongo.commandCounts();
  const cpuMs = (await ferretCpu() - cpuBefore) * 1000 / AT_ONCE;
  const made = new Map([...all].map(([k, n]) => [k, n - (before.get(k) ?? 0)] as const));
  const total = [...made.values()].reduce((a, b) => a + b, 0);
  let ferret = 0;
  for (const [k, n] of ferretAfter ?? []) ferret += n - (ferretBefore?.get(k) ?? 0);
  console.log(
    `\n${AT_ONCE} at once (login, slots, hold, confirm each; one relay pass after all): ${
      total / AT_ONCE
    } commands ` +
      `per booking (FerretDB counted ${ferret / AT_ONCE}, its CPU ${
        cpuMs.toFixed(2)
      } ms per booking): ` +
      fmt(new Map([...made].map(([k, n]) => [k, Math.round(n / AT_ONCE * 100) / 100]))),
  );
} finally {
  await close();
  await bridge.stop();
  await redis.stop();
}
