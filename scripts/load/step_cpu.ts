/**
 * CPU per booking step, in-process: drives the real app (`createApp` on `bootstrap`, a KV file as
 * the load run uses) with `app.request`, AT_ONCE patients on as many doctors doing each step of
 * the day together (login code, outbox, verify, slot listing, hold, outbox, confirm, relay), ROUNDS
 * times, and reads the CPU time of the main JS thread and of Deno KV's SQLite thread from
 * /proc/self/task/<tid>/schedstat (nanoseconds on the CPU) around each step. With `--cpu-prof` on the deno command line, pass
 * `--phases FILE` to write each step's time windows (CLOCK_BOOTTIME µs) for the profile splitter.
 *
 * Usage: deno task bench:step-cpu [--rounds N (default 6, at most 112)] [--at-once N (default 50)]
 *          [--mongo] [--phases FILE]
 *        deno run -A --cpu-prof --cpu-prof-dir=DIR scripts/load/step_cpu.ts --phases FILE
 * Fewer patients at once (`--at-once 5`) share fewer group commits, as the interleaved requests of
 * the full day do. `--mongo` keeps the records on a throw-away FerretDB (tests/_harness/ferretdb.ts;
 * `FERRETDB_BIN` picks the build), as `deno task load --store mongo` does; its own CPU is not in
 * these figures (scripts/load/count_mongo_ops.ts reads it). Alternate trees when comparing: the
 * machine's load moves the figures.
 * The task runs with -A: Deno grants reads of /proc/self/task only with every permission.
 */
import {
  doctorBody,
  EVERY_DAY_NINE_TO_FIVE,
  IN_PROCESS_ADMIN as ADMIN,
  inProcessAppOn,
} from "./in_process_app.ts";

if (Deno.args.includes("--help")) {
  console.log(
    "Usage: deno task bench:step-cpu [--rounds N] [--at-once N] [--mongo] [--phases FILE]\n" +
      "CPU ms per request of each booking step (main JS thread, KV thread), N patients at once\n" +
      "(default 50); --mongo: records on a throw-away FerretDB.",
  );
  Deno.exit(0);
}
const flag = (name: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
};
const ROUNDS = Number(flag("--rounds") ?? 6);
const AT_ONCE = Number(flag("--at-once") ?? 50);
if (!Number.isInteger(AT_ONCE) || AT_ONCE < 1 || AT_ONCE > 9999) {
  throw new RangeError(`--at-once takes 1..9999 patients; found ${flag("--at-once")}`);
}
const phasesFile = flag("--phases");

/** Each thread's kind, read once: its name never changes, and every read is the bench's own CPU. */
const kinds = new Map<string, "main" | "kv" | "other">();
function kindOf(tid: string) {
  let kind = kinds.get(tid);
  if (!kind) {
    const name = Deno.readTextFileSync(`/proc/self/task/${tid}/comm`).trim();
    kind = tid === String(Deno.pid) ? "main" : name.startsWith("sw-") ? "kv" : "other";
    kinds.set(tid, kind);
  }
  return kind;
}

/**
 * CPU seconds per thread kind of this process, from schedstat's time on the CPU (nanoseconds; the
 * 10 ms ticks of /proc/<tid>/stat made a step of 50 confirms ±15%).
 */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of Deno.readDirSync("/proc/self/task")) {
    try {
      const onCpuNs = Deno.readTextFileSync(`/proc/self/task/${t.name}/schedstat`).split(" ")[0];
      const key = kindOf(t.name);
      out.set(key, (out.get(key) ?? 0) + Number(onCpuNs) / 1e9);
    } catch { /* thread gone */ }
  }
  return out;
}
const boottimeUs = () => Number(Deno.readTextFileSync("/proc/uptime").split(" ")[0]) * 1e6;

const onMongo = Deno.args.includes("--mongo");
const { relay, call, close } = await inProcessAppOn({ kv: "file", mongo: onMongo });

const totals = new Map<string, { main: number; kv: number; other: number; n: number }>();
const phases: { step: string; fromUs: number; toUs: number }[] = [];
async function measured<T>(step: string, fn: () => Promise<T>): Promise<T> {
  const a = threadCpu();
  const fromUs = boottimeUs();
  const out = await fn();
  const toUs = boottimeUs();
  const b = threadCpu();
  phases.push({ step, fromUs, toUs });
  const t = totals.get(step) ?? { main: 0, kv: 0, other: 0, n: 0 };
  for (const k of ["main", "kv", "other"] as const) t[k] += (b.get(k) ?? 0) - (a.get(k) ?? 0);
  t.n += AT_ONCE;
  totals.set(step, t);
  return out;
}
const all = <T>(fn: (i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: AT_ONCE }, (_, i) => fn(i)));

try {
  const codeOf = async (phone: string) =>
    (await call<{ messages: { code: string }[] }>(
      "GET",
      `/v1/dev/outbox?to=${encodeURIComponent(phone)}`,
    )).messages[0].code;
  await call("POST", "/v1/auth/otp", { phone: ADMIN });
  const admin = await call<{ accessToken: string }>("POST", "/v1/auth/verify", {
    phone: ADMIN,
    code: await codeOf(ADMIN),
  });
  const doctors: string[] = [];
  for (let n = 0; n < AT_ONCE; n++) {
    const d = await call<{ id: string }>(
      "POST",
      "/v1/admin/doctors",
      doctorBody("Step", n),
      admin.accessToken,
    );
    await call(
      "PUT",
      `/v1/doctors/${d.id}/availability`,
      EVERY_DAY_NINE_TO_FIVE,
      admin.accessToken,
    );
    doctors.push(d.id);
  }
  for (let r = 0; r < ROUNDS; r++) {
    const phones = doctors.map((_, i) =>
      `+91731${String(r).padStart(2, "0")}${String(i).padStart(4, "0")}`
    );
    await measured(
      "login: POST /v1/auth/otp",
      () => all((i) => call("POST", "/v1/auth/otp", { phone: phones[i] })),
    );
    const codes = await measured("login: GET /v1/dev/outbox", () => all((i) => codeOf(phones[i])));
    const sessions = await measured(
      "login: POST /v1/auth/verify",
      () =>
        all((i) =>
          call<{ accessToken: string }>("POST", "/v1/auth/verify", {
            phone: phones[i],
            code: codes[i],
          })
        ),
    );
    const day = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Kolkata" })
      .format(Date.now() + (2 + (r % 7)) * 86_400_000);
    const listed = await measured(
      "GET /v1/doctors/:id/slots",
      () =>
        all((i) =>
          call<{ slots: { start: string }[] }>(
            "GET",
            `/v1/doctors/${doctors[i]}/slots?from=${day}&to=${day}`,
          )
        ),
    );
    const held = await measured(
      "POST /v1/holds",
      () =>
        all((i) =>
          call<{ id: string }>(
            "POST",
            "/v1/holds",
            // The first bookable slot: the day lists 16, and every 7th round books one of them.
            { doctorId: doctors[i], start: listed[i].slots[0].start },
            sessions[i].accessToken,
            {
              "idempotency-key": crypto.randomUUID(),
            },
          )
        ),
    );
    const hcodes = await measured(
      "GET /v1/dev/outbox (hold code)",
      () => all((i) => codeOf(phones[i])),
    );
    await measured(
      "POST /v1/holds/:id/confirm",
      () =>
        all((i) =>
          call(
            "POST",
            `/v1/holds/${held[i].id}/confirm`,
            { code: hcodes[i] },
            sessions[i].accessToken,
          )
        ),
    );
    if (relay) await measured("outbox relay pass", () => relay.drainAll().then(() => []));
  }
  const f = (s: number) => (s * 1000).toFixed(2);
  console.log(
    `${ROUNDS} rounds of ${AT_ONCE} at once; CPU ms per request (the first round included)\n`,
  );
  if (onMongo) console.log("Records on FerretDB (its own CPU is not in these figures).\n");
  console.log(
    "| step | main thread | KV thread | other | n |\n| --- | ---: | ---: | ---: | ---: |",
  );
  let sum = { main: 0, kv: 0, other: 0 };
  for (const [step, t] of totals) {
    console.log(
      `| ${step} | ${f(t.main / t.n)} | ${f(t.kv / t.n)} | ${f(t.other / t.n)} | ${t.n} |`,
    );
    sum = {
      main: sum.main + t.main / t.n,
      kv: sum.kv + t.kv / t.n,
      other: sum.other + t.other / t.n,
    };
  }
  console.log(`| sum (one of each) | ${f(sum.main)} | ${f(sum.kv)} | ${f(sum.other)} | |`);
  if (phasesFile) await Deno.writeTextFile(phasesFile, JSON.stringify(phases));
} finally {
  await close();
}
