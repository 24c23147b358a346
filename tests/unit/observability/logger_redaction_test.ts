import assert from "node:assert/strict";
import { createLogger, errorFields } from "../../../src/observability/logger.ts";

const PHONE = "+919876543210";
const MEDICAL = "chest pain spreading to the left arm";

function capture() {
  const lines: string[] = [];
  const log = createLogger({ level: "debug", write: (l) => lines.push(l) });
  return { log, lines };
}

function assertClean(line: string) {
  assert.ok(!line.includes("9876543210"), `a phone number reached the log: ${line}`);
  assert.ok(!line.includes("chest pain"), `medical text reached the log: ${line}`);
}

Deno.test("createLogger() redacts a phone number and a reason nested deeper than five levels", () => {
  const { log, lines } = capture();
  const deep = {
    a: { b: { c: { d: { e: { f: { g: { to: PHONE, reason: MEDICAL, note: PHONE } } } } } } },
  };
  log.info("deep", deep);
  assertClean(lines[0]);
});

Deno.test("createLogger() redacts inside arrays of objects nested deep", () => {
  const { log, lines } = capture();
  log.info("arrays", { a: [[[[[[{ phone: PHONE, reason: MEDICAL, text: `call ${PHONE}` }]]]]]] });
  assertClean(lines[0]);
});

Deno.test("createLogger() redacts inside Map, Set and class instances", () => {
  const { log, lines } = capture();
  class Patient {
    constructor(public phone: string, public reason: string) {}
  }
  log.info("collections", {
    byPhone: new Map([[PHONE, { reason: MEDICAL }]]),
    phones: new Set([PHONE]),
    patient: new Patient(PHONE, MEDICAL),
  });
  assertClean(lines[0]);
});

Deno.test("createLogger() logs an Error in a field by name and redacted message, causes included", () => {
  const { log, lines } = capture();
  const err = new Error(`SMS to ${PHONE} failed`, {
    cause: new Error("driver", { cause: { document: { phone: PHONE, reason: MEDICAL } } }),
  });
  log.error("failed", { err, ...errorFields(err) });
  assertClean(lines[0]);
  const entry = JSON.parse(lines[0]);
  assert.equal(entry.err.name, "Error");
  assert.match(entry.err.message, /SMS to \[phone\] failed/);
});

Deno.test("createLogger() survives a cyclic field instead of throwing at the caller", () => {
  const { log, lines } = capture();
  const a: Record<string, unknown> = { phone: PHONE };
  a.self = a;
  log.info("cyclic", { a });
  assert.equal(lines.length, 1);
  assertClean(lines[0]);
});

Deno.test("createLogger() keeps a Date field as its ISO text", () => {
  const { log, lines } = capture();
  log.info("date", { at: new Date(Date.UTC(2026, 11, 1, 4, 30)) });
  assert.equal(JSON.parse(lines[0]).at, "2026-12-01T04:30:00.000Z");
});

Deno.test("createLogger() drops symptoms, Prakriti answers, emails, cookies and OTPs by field name", () => {
  const { log, lines } = capture();
  log.info("fields", {
    symptoms: "chest pain at night",
    answers: { digestion: "chest pain after meals" },
    email: "asha@example.in",
    cookie: "vaidya_session=abc",
    otp: "four two one",
  });
  const entry = JSON.parse(lines[0]);
  for (const k of ["symptoms", "answers", "email", "cookie", "otp"]) {
    assert.equal(entry[k], "[redacted]", k);
  }
});

Deno.test("createLogger() logs a BigInt field as its digits instead of throwing at the caller", () => {
  const { log, lines } = capture();
  log.info("bigint", { bytes: 12n });
  assert.equal(JSON.parse(lines[0]).bytes, "12");
});
