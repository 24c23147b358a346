/**
 * Reading appointments for reports and exports through the record-store ports, so the same code
 * works on KV and MongoDB: every doctor, deactivated ones too (paged by id), then that doctor's
 * appointments starting within the range (paged by start). Ranges are calendar days in one time
 * zone, both inclusive.
 */
import { generateSlots } from "../src/domain/slots.ts";
import { addDays, daysBetween, isValidTimeZone } from "../src/domain/zoned_time.ts";
import { zonedWallTimeToEpochMs } from "../src/domain/zoned_time.ts";
import type { RecordStores } from "../src/stores/ports.ts";
import type { AppointmentRecord, DoctorRecord } from "../src/stores/records.ts";

export interface DayRange {
  from: string;
  to: string;
  timeZone: string;
  fromMs: number;
  toMs: number;
}

/** The instants of [from 00:00, to+1 00:00) in `timeZone`; refuses reversed or huge ranges. */
export function dayRange(from: string, to: string, timeZone: string, maxDays = 366): DayRange {
  if (!isValidTimeZone(timeZone)) throw new Error(`Unknown time zone "${timeZone}"`);
  const span = daysBetween(from, to);
  if (span < 0) throw new Error(`--from ${from} is after --to ${to}`);
  if (span + 1 > maxDays) throw new Error(`${from}..${to} is longer than ${maxDays} days`);
  return {
    from,
    to,
    timeZone,
    fromMs: zonedWallTimeToEpochMs(from, "00:00", timeZone),
    toMs: zonedWallTimeToEpochMs(addDays(to, 1), "00:00", timeZone),
  };
}

export async function* allDoctors(records: RecordStores): AsyncGenerator<DoctorRecord> {
  let cursor: string | undefined;
  for (let page = 0; page < 1_000_000; page++) {
    const res = await records.doctors.search({ includeInactive: true }, 200, cursor);
    yield* res.items;
    if (!res.nextCursor) return;
    cursor = res.nextCursor;
  }
}

export async function* appointmentsOf(
  records: RecordStores,
  doctorId: string,
  range: DayRange,
): AsyncGenerator<AppointmentRecord> {
  let cursor: string | undefined;
  for (let page = 0; page < 1_000_000; page++) {
    const res = await records.appointments.listForDoctor(
      doctorId,
      { fromMs: range.fromMs, toMs: range.toMs },
      500,
      cursor,
    );
    yield* res.items.filter((a) => a.startMs >= range.fromMs && a.startMs < range.toMs);
    if (!res.nextCursor) return;
    cursor = res.nextCursor;
  }
}

/**
 * Minutes the doctor's schedule offered in the range, whatever was booked or how late it is. A
 * deactivated doctor offers no new time from their deactivation on: only slots starting before
 * `deactivatedAt` count (their days before it still do; their bookings count as booked anyway).
 */
export function offeredMinutes(doctor: DoctorRecord, range: DayRange): number {
  const untilMs = doctor.deactivatedAt
    ? Math.min(range.toMs, Date.parse(doctor.deactivatedAt))
    : range.toMs;
  const slots = generateSlots({
    schedule: { ...doctor.schedule, minNoticeMinutes: 0, horizonDays: 100_000, maxPerDay: null },
    timeZone: doctor.timezone,
    fromDate: addDays(range.from, -1),
    toDate: addDays(range.to, 1),
    nowMs: 0,
    busy: [],
  });
  return slots.filter((s) => s.startMs >= range.fromMs && s.startMs < untilMs).length *
    doctor.schedule.slotMinutes;
}
