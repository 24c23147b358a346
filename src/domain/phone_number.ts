/**
 * One spelling per phone: numbers are parsed with libphonenumber-js and kept in E.164 as it
 * prints them, so `+9109811110001` (a trunk 0 after the country code) is the same identity as
 * `+919811110001`, never a second account, blind index or lock-out counter. Pure: no I/O.
 */
import { parsePhoneNumberFromString } from "libphonenumber-js";

const E164_SHAPE = /^\+[1-9]\d{6,16}$/;

/** The canonical E.164 form of `raw`, or null when it is not a possible phone number. */
export function normalisePhone(raw: string): string | null {
  if (!E164_SHAPE.test(raw)) return null;
  const parsed = parsePhoneNumberFromString(raw);
  return parsed?.isPossible() ? parsed.number : null;
}
