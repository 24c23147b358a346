/**
 * src/domain/phone_number.ts parses with libphonenumber-js's `core` entry and its `min` metadata
 * (fewer modules at start-up): held here to the package's main entry, which is that same metadata
 * appended to the core function's arguments, on edge cases and generated numbers.
 */
import assert from "node:assert/strict";
import { parsePhoneNumberFromString } from "libphonenumber-js";
import { normalisePhone } from "../../src/domain/phone_number.ts";

/**
 * What `normalisePhone` answers when it parses with the package's main entry: parsed again until
 * the answer parses to itself (or no longer parses).
 */
function throughMainEntry(raw: string): string | null {
  const once = (s: string) => {
    if (!/^\+[1-9]\d{6,16}$/.test(s)) return null;
    const parsed = parsePhoneNumberFromString(s);
    return parsed?.isPossible() ? parsed.number : null;
  };
  let phone = raw;
  for (let pass = 0; pass < 16; pass++) {
    const next = once(phone);
    if (next === null || next === phone) return next;
    phone = next;
  }
  return null;
}

Deno.test("normalisePhone() spells a number once in E.164 and refuses what is not one", () => {
  assert.equal(normalisePhone("+919811110001"), "+919811110001");
  assert.equal(normalisePhone("+9109811110001"), "+919811110001");
  assert.equal(normalisePhone("+14155552671"), "+14155552671");
  assert.equal(normalisePhone("+447911123456"), "+447911123456");
  for (const bad of ["", "919811110001", "+0919811110001", "+91 98111 10001", "+91981", "+1"]) {
    assert.equal(normalisePhone(bad), null, bad);
  }
  assert.equal(normalisePhone("+99912345678"), null, "no such country calling code");
});

Deno.test("normalisePhone() answers its own answer: any number of trunk zeros after +91 is one number", () => {
  for (
    const raw of ["+9109811110001", "+91009811110001", "+910009811110001", "+9100009811110001"]
  ) {
    const phone = normalisePhone(raw);
    assert.equal(phone, "+919811110001", raw);
    assert.equal(normalisePhone(phone!), phone, `${raw} normalised twice`);
  }
});

Deno.test("normalisePhone() answers as the package's main entry on 30,000 generated numbers", () => {
  // Deterministic: a fixed linear congruential sequence, so a failure names a reproducible input.
  let seed = 20261201;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const prefixes = ["1", "44", "91", "910", "49", "61", "971", "880", "7", "86", "55", "234", ""];
  let possible = 0;
  for (let i = 0; i < 30_000; i++) {
    const prefix = prefixes[next(prefixes.length)];
    const length = 5 + next(13);
    let digits = prefix;
    while (digits.length < length) digits += String(next(10));
    const raw = `+${digits}`;
    const expected = throughMainEntry(raw);
    assert.equal(normalisePhone(raw), expected, raw);
    if (expected !== null) assert.equal(normalisePhone(expected), expected, `${raw} twice`);
    if (expected !== null) possible++;
  }
  // Both answers occur often, so the comparison covers each.
  assert.ok(possible > 3_000 && possible < 27_000, `${possible} possible numbers`);
});
