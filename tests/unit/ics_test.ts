import assert from "node:assert/strict";
import { appointmentIcs } from "../../src/ui/ics.ts";

const base = {
  uid: "apt_1@vaidya",
  startMs: Date.parse("2026-12-03T04:30:00Z"),
  endMs: Date.parse("2026-12-03T05:00:00Z"),
  stampMs: Date.parse("2026-12-01T10:00:00.123Z"),
  summary: "Vaidya: Dr. Asha",
};

Deno.test("appointmentIcs() writes UTC times, CRLF lines and a confirmed event", () => {
  const ics = appointmentIcs(base);
  assert.ok(ics.startsWith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
  assert.match(ics, /\r\nDTSTART:20261203T043000Z\r\nDTEND:20261203T050000Z\r\n/);
  assert.match(ics, /\r\nDTSTAMP:20261201T100000Z\r\n/);
  assert.match(ics, /\r\nSTATUS:CONFIRMED\r\n/);
  assert.ok(ics.endsWith("END:VCALENDAR\r\n"));
  assert.doesNotMatch(ics.replace(/\r\n/g, ""), /\n/, "no bare LF");
});

Deno.test("appointmentIcs() escapes text and folds long lines without splitting a character", () => {
  const ics = appointmentIcs({
    ...base,
    summary: "डॉ. आशा कुलकर्णी; Panchakarma, Pune — ".repeat(4),
    cancelled: true,
  });
  assert.match(ics, /STATUS:CANCELLED/);
  for (const line of ics.split("\r\n")) {
    assert.ok(new TextEncoder().encode(line).length <= 75, `line over 75 octets: ${line}`);
  }
  const unfolded = ics.replace(/\r\n /g, "");
  assert.match(unfolded, /SUMMARY:डॉ\. आशा कुलकर्णी\\; Panchakarma\\, Pune — /);
  assert.doesNotMatch(unfolded, /\uFFFD/);
});

Deno.test("appointmentIcs() keeps a name's lone CR, or any control character, inside its one line", () => {
  const ics = appointmentIcs({ ...base, summary: "Vaidya: Dr. A\rURL:https://evil.example\u0000" });
  // Some readers end a line at a lone CR or LF too.
  const lines = ics.replace(/\r\n /g, "").split(/\r\n|\r|\n/);
  assert.ok(!lines.some((l) => l.startsWith("URL:")), "no property of the name's own");
  assert.doesNotMatch(
    ics.replace(/\r\n/g, ""),
    // deno-lint-ignore no-control-regex
    /[\x00-\x08\x0a-\x1f\x7f]/,
    "no bare control characters",
  );
});
