/**
 * What a load run costs FerretDB (mongo store): the commands it answered, by command name (its own
 * request counter, tests/_harness/ferretdb.ts `commandCounts`), and its CPU seconds from /proc.
 * Read before and after the booking phase and at the end of the run, so a report gives commands
 * and CPU per booking without tracing inside the app (issue 15). Reads only.
 */
import type { TestMongo } from "../../tests/_harness/ferretdb.ts";
import { cpuByProgram } from "./process_cpu.ts";

export interface MongoReading {
  commands: Map<string, number>;
  cpuSeconds: number | null;
}

export interface MongoCost {
  /** Commands over the span, all kinds, and per booking confirmed in it. */
  commands: number;
  perBooking: number;
  /** The same by command name (find, insert, update, delete, findAndModify, ...), per booking. */
  perBookingByCommand: Record<string, number>;
  /** FerretDB's CPU seconds over the span (null when unreadable), and per booking in ms. */
  cpuSeconds: number | null;
  cpuMsPerBooking: number | null;
}

/** null when the server does not count (an outside MONGODB_URI) or cannot be read. */
export async function readMongo(mongo: TestMongo | undefined): Promise<MongoReading | null> {
  if (!mongo) return null;
  const commands = await mongo.commandCounts().catch(() => null);
  if (!commands) return null;
  const cpu = await cpuByProgram().catch(() => null);
  return { commands, cpuSeconds: cpu?.get("ferretdb") ?? null };
}

/** The cost between two readings, for `bookings` bookings (null if either reading is missing). */
export function mongoCost(
  before: MongoReading | null,
  after: MongoReading | null,
  bookings: number,
): MongoCost | null {
  if (!before || !after || bookings === 0) return null;
  const round = (n: number) => Math.round(n * 100) / 100;
  let commands = 0;
  const perBookingByCommand: Record<string, number> = {};
  const names = [...after.commands.keys()].sort((a, b) =>
    (after.commands.get(b)! - (before.commands.get(b) ?? 0)) -
    (after.commands.get(a)! - (before.commands.get(a) ?? 0))
  );
  for (const name of names) {
    const n = after.commands.get(name)! - (before.commands.get(name) ?? 0);
    if (n <= 0) continue;
    commands += n;
    perBookingByCommand[name] = round(n / bookings);
  }
  const cpuSeconds = before.cpuSeconds === null || after.cpuSeconds === null
    ? null
    : round(after.cpuSeconds - before.cpuSeconds);
  return {
    commands,
    perBooking: round(commands / bookings),
    perBookingByCommand,
    cpuSeconds,
    cpuMsPerBooking: cpuSeconds === null ? null : round(cpuSeconds * 1000 / bookings),
  };
}
