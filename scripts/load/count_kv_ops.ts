/**
 * Counts Deno KV operations per step of one booking (login code, verify, slot listing, hold,
 * outbox read, confirm) and of the outbox relay's pass over what the booking left due, by
 * wrapping `Deno.Kv` and `Deno.AtomicOperation` in this process and driving the real app
 * (`createApp` on `bootstrap`) with `app.request`, as the load generator does (the hold carries an
 * `Idempotency-Key`). The relay's timer is stopped, so its pass is counted in its own row. On a
 * disk where every commit waits for fsync, commits per booking bound bookings per second.
 *
 * Usage: deno run -A scripts/load/count_kv_ops.ts [--trace] [--cell-marks] [--file] [--mongo] [--help]
 * `--trace` also prints, for each single-request step, every KV call and the keys it touched.
 * Beside the operations, the bytes of the values set and read (V8-serialised, as KV stores them):
 * what serialising, the KV op and SQLite handle per step.
 * `--cell-marks` counts with `KV_CELL_MARKS=true` (a rolling deploy from a version that reads the
 * per-cell keys: src/stores/kv/cell_marks.ts).
 * `--file` counts on a KV file (a temp dir) instead of in memory: each commit then takes as long as
 * the disk, as in the server, so fewer concurrent ones share one (the "at once" rows).
 * `--mongo` keeps the records on FerretDB (tests/_harness/ferretdb.ts; `FERRETDB_BIN` picks the
 * build) and counts what stays on KV (holds, sessions, calendar versions, the outbox), on a file.
 */
import { serialize as v8Serialize } from "node:v8";
import {
  bookingDay,
  countedSteps,
  doctorSteps,
  holdAndConfirmSteps,
  IN_PROCESS_ADMIN as ADMIN,
  inProcessAppOn,
  loginSteps,
} from "./in_process_app.ts";

if (Deno.args.includes("--help")) {
  console.log(
    "Usage: deno run -A scripts/load/count_kv_ops.ts [--trace] [--cell-marks] [--file] [--mongo]\n" +
      "Prints KV reads and commits per booking step (--cell-marks: with KV_CELL_MARKS=true;\n" +
      "--file: on a KV file, not in memory; --mongo: records on FerretDB, KV on a file).",
  );
  Deno.exit(0);
}

const counts = {
  commits: 0,
  checks: 0,
  mutations: 0,
  gets: 0,
  getManys: 0,
  lists: 0,
  /** Bytes of the values set (V8-serialised, as KV stores them) and of the values read. */
  setBytes: 0,
  readBytes: 0,
};
type Counter = keyof typeof counts;
/** With `--trace`, each single-request step also prints its operations and the keys they touch. */
const trace = Deno.args.includes("--trace");
const traced: string[] = [];
/** Off while many bookings run at once: their steps interleave, only the totals mean anything. */
let perStep = true;

/** The first two parts of a key (its space and, where short, the next part), for `--trace`. */
function keyName(key: unknown): string {
  if (!Array.isArray(key)) return "?";
  return key.slice(0, 2).map((p) => typeof p === "string" && p.length > 24 ? "…" : String(p))
    .join("/");
}
function describe(counter: Counter, name: string, args: unknown[]): string {
  const [first] = args;
  if (counter === "getManys") return `getMany ${(first as unknown[]).map(keyName).join(", ")}`;
  if (counter === "lists") {
    const sel = first as { prefix?: unknown; start?: unknown };
    return `list ${keyName(sel.prefix ?? sel.start)}`;
  }
  if (counter === "checks") {
    return `check ${args.map((c) => keyName((c as { key: unknown }).key)).join(", ")}`;
  }
  if (counter === "commits" && name === "commit") return "commit";
  return `${name} ${keyName(first)}`;
}
/** Counts calls of `proto[name]`, by `weight(args)` (one by default). */
function wrap<T extends object>(
  proto: T,
  name: keyof T & string,
  counter: Counter,
  weight: (args: unknown[]) => number = () => 1,
) {
  const original = proto[name] as (...args: unknown[]) => unknown;
  Object.defineProperty(proto, name, {
    value(this: unknown, ...args: unknown[]) {
      counts[counter] += weight(args);
      if (trace && perStep && counter !== "setBytes") traced.push(describe(counter, name, args));
      return original.apply(this, args);
    },
  });
}
wrap(Deno.AtomicOperation.prototype, "commit", "commits");
wrap(Deno.AtomicOperation.prototype, "check", "checks", (args) => args.length);
for (const m of ["set", "delete", "sum", "min", "max"] as const) {
  wrap(Deno.AtomicOperation.prototype, m, "mutations");
}
// kv.set / kv.delete write without an AtomicOperation: each is a commit of one mutation.
for (const m of ["set", "delete"] as const) {
  wrap(Deno.Kv.prototype, m, "commits");
  wrap(Deno.Kv.prototype, m, "mutations");
}
wrap(Deno.Kv.prototype, "get", "gets");
wrap(Deno.Kv.prototype, "getMany", "getManys");
wrap(Deno.Kv.prototype, "list", "lists");

/** The size of `value` as KV stores it (V8's serialisation, give or take its header). */
const sizeOf = (value: unknown) => value === undefined ? 0 : v8Serialize(value).byteLength;
wrap(Deno.AtomicOperation.prototype, "set", "setBytes", (args) => sizeOf(args[1]));
wrap(Deno.Kv.prototype, "set", "setBytes", (args) => sizeOf(args[1]));
/** Adds the bytes of the values `proto[name]`'s answers carry to `readBytes`. */
function countRead<T extends object>(
  proto: T,
  name: keyof T & string,
  entries: (out: unknown) => unknown[],
) {
  const original = proto[name] as (...args: unknown[]) => unknown;
  Object.defineProperty(proto, name, {
    value(this: unknown, ...args: unknown[]) {
      const out = original.apply(this, args);
      if (out instanceof Promise) {
        return out.then((v) => {
          for (const e of entries(v)) {
            counts.readBytes += sizeOf((e as Deno.KvEntryMaybe<unknown>).value ?? undefined);
          }
          return v;
        });
      }
      const iter = out as Deno.KvListIterator<unknown>;
      const next = iter.next.bind(iter);
      iter.next = async () => {
        const r = await next();
        if (!r.done) counts.readBytes += sizeOf(r.value.value);
        return r;
      };
      return iter;
    },
  });
}
countRead(Deno.Kv.prototype, "get", (v) => [v]);
countRead(Deno.Kv.prototype, "getMany", (v) => v as unknown[]);
countRead(Deno.Kv.prototype, "list", () => []);

/** Bookings run together in the last measurement. */
const AT_ONCE = 50;
// The relay passes only when asked below, so each row holds exactly its own step's operations.
const cellMarks = Deno.args.includes("--cell-marks");
const onMongo = Deno.args.includes("--mongo");
const onFile = onMongo || Deno.args.includes("--file");
const { relay, call, close } = await inProcessAppOn({
  kv: onFile ? "file" : "memory",
  mongo: onMongo,
  env: cellMarks ? { KV_CELL_MARKS: "true" } : {},
});
type Row = { step: string } & typeof counts;
const rows: Row[] = [];

/** Runs `fn` and records the KV operations it made as row `name`. */
async function counted<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const before = { ...counts };
  const out = await fn();
  const row = { step: name } as Row;
  for (const k of Object.keys(counts) as Counter[]) row[k] = counts[k] - before[k];
  if (perStep) rows.push(row);
  if (trace && perStep) console.log(`## ${name}\n  ${traced.splice(0).join("\n  ")}`);
  return out;
}

const step = countedSteps(call, counted);
const login = (phone: string) => loginSteps(step, phone);

try {
  const admin = await login(ADMIN);
  const newDoctor = (n: number) => doctorSteps(step, admin.accessToken, "Count", n);
  const doctor = await newDoctor(0);
  rows.length = 0;

  const phone = "+917300000001";
  const patient = await login(phone);
  const day = bookingDay();
  const { slots } = await step<{ slots: { start: string }[] }>(
    "GET /v1/doctors/:id/slots",
    "GET",
    `/v1/doctors/${doctor.id}/slots?from=${day}&to=${day}`,
  );
  // Not part of a booking: a second listing with nothing changed since the first.
  await step(
    "GET /v1/doctors/:id/slots (again, unchanged)",
    "GET",
    `/v1/doctors/${doctor.id}/slots?from=${day}&to=${day}`,
  );
  const extra = rows.splice(-1);
  await holdAndConfirmSteps(step, {
    doctorId: doctor.id,
    start: slots[0].start,
    phone,
    accessToken: patient.accessToken,
  });
  // What the booking left due now (webhook fan-out, anything inline work did not finish).
  if (relay) await counted("outbox relay (what is due after the booking)", () => relay.drainAll());
  // Not part of a booking either: the next listing of this doctor, as the day's next patient of
  // the same doctor makes it (the calendar moved twice since the first listing).
  await step(
    "GET /v1/doctors/:id/slots (next, after this booking)",
    "GET",
    `/v1/doctors/${doctor.id}/slots?from=${day}&to=${day}`,
  );
  extra.push(...rows.splice(-1));

  const total = { step: "total (login + booking + relay)" } as Row;
  for (const k of Object.keys(counts) as Counter[]) {
    total[k] = rows.reduce((sum, r) => sum + r[k], 0);
  }
  if (cellMarks) console.log("With KV_CELL_MARKS=true: the older versions' per-cell keys too.\n");
  if (onMongo) console.log("Records on FerretDB: what stays on KV, on a file.\n");
  else if (onFile) console.log("On a KV file.\n");
  console.log(
    "| step | commits | checks | mutations | get | getMany | list | bytes set | bytes read |\n" +
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const r of [...rows, total, ...extra]) {
    console.log(
      `| ${r.step} | ${r.commits} | ${r.checks} | ${r.mutations} | ${r.gets} | ${r.getManys} | ` +
        `${r.lists} | ${r.setBytes} | ${r.readBytes} |`,
    );
  }

  // The same flow for AT_ONCE patients at the same time with as many doctors, as under load:
  // blind writes (messages, done marks, stored answers) and audit appends then share commits. One
  // login per booking here; the load generator logs in once per five bookings.
  perStep = false;
  const doctors = [];
  for (let n = 1; n <= AT_ONCE; n++) doctors.push(await newDoctor(n));
  const phones = doctors.map((_, i) => `+9173100${String(i).padStart(5, "0")}`);
  const beforeLogin = { ...counts };
  const sessions = await Promise.all(phones.map(login));
  const before = { ...counts };
  await Promise.all(doctors.map(async ({ id }, i) => {
    const phone = phones[i];
    const who = sessions[i];
    const listed = await step<{ slots: { start: string }[] }>(
      "slots",
      "GET",
      `/v1/doctors/${id}/slots?from=${day}&to=${day}`,
    );
    await holdAndConfirmSteps(step, {
      doctorId: id,
      start: listed.slots[0].start,
      phone,
      accessToken: who.accessToken,
    });
  }));
  if (relay) await relay.drainAll();
  const per = (from: typeof counts, to: typeof counts) =>
    (Object.keys(counts) as Counter[]).map((k) => Math.round((to[k] - from[k]) / AT_ONCE * 10) / 10)
      .join(" | ");
  console.log(
    `\n| ${AT_ONCE} patients at once, ${AT_ONCE} doctors: per login (otp, outbox, verify) | ` +
      `${per(beforeLogin, before)} |\n` +
      `| ${AT_ONCE} at once: per booking (slots, hold, outbox, confirm, relay) | ` +
      `${per(before, counts)} |`,
  );
} finally {
  await close();
}
