/**
 * One spelling per phone: numbers are parsed with libphonenumber-js and kept in E.164 as it
 * prints them, so `+9109811110001` (a trunk 0 after the country code) is the same identity as
 * `+919811110001`, never a second account, blind index or lock-out counter. Pure: no I/O.
 *
 * The package's `core` entry with its `min` metadata passed in is exactly what its main entry runs
 * (each main export appends that metadata to the core function's arguments), without evaluating
 * the main entry's ~25 wrapper modules: ~15 ms less CPU at start-up, where the configuration
 * normalises ADMIN_PHONES (docs/BENCHMARKS.md, issue 15).
 */
import { parsePhoneNumberFromString } from "libphonenumber-js/core";
import metadata from "libphonenumber-js/min/metadata";

const E164_SHAPE = /^\+[1-9]\d{6,16}$/;

/** The canonical E.164 form of `raw`, or null when it is not a possible phone number. */
export function normalisePhone(raw: string): string | null {
  // A parse drops one trunk 0 after the country code: `+91 00 98…` takes two to reach the
  // spelling that parses to itself, and only such a spelling is an identity (one blind index,
  // one send budget); an answer that no longer parses (too short) is no number.
  let phone = raw;
  for (let pass = 0; pass < 16; pass++) {
    const next = parseOnce(phone);
    if (next === null || next === phone) return next;
    phone = next;
  }
  return null;
}

function parseOnce(raw: string): string | null {
  if (!E164_SHAPE.test(raw)) return null;
  const parsed = parsePhoneNumberFromString(raw, metadata);
  return parsed?.isPossible() ? parsed.number : null;
}
