import assert from "node:assert/strict";
import { expandCourse } from "../../src/courses/course_planner.ts";

const iso = (ms: number) => new Date(ms).toISOString();

Deno.test("expandCourse() keeps a first session in the hour a DST change repeats (Europe/London)", () => {
  // 2026-10-25 01:30 happens twice in London: 00:30Z (BST) and 01:30Z (GMT). The listing offers
  // both; a course asked to start at the second must start there, not an hour earlier.
  const starts = expandCourse(
    { start: "2026-10-25T01:30:00.000Z", count: 2, everyDays: 1 },
    "Europe/London",
  );
  assert.deepEqual(starts.map(iso), ["2026-10-25T01:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
});

Deno.test("expandCourse() keeps the wall time across a DST change (America/New_York)", () => {
  const starts = expandCourse(
    { start: "2026-10-28T13:00:00.000Z", count: 2, everyDays: 7 },
    "America/New_York",
  );
  assert.deepEqual(starts.map(iso), ["2026-10-28T13:00:00.000Z", "2026-11-04T14:00:00.000Z"]);
});
