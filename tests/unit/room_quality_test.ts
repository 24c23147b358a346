/** The room page's send plan on a poor link (src/rooms/static/room_quality.js, a browser module). */
import assert from "node:assert/strict";
// @ts-types="../../src/rooms/static/room_quality.d.ts"
import { createPlanner, planFor } from "../../src/rooms/static/room_quality.js";

Deno.test("planFor() sends audio only on a link that cannot carry video, low video when weak", () => {
  const good = { outgoingBps: 2_000_000, lossFraction: 0, rttSeconds: 0.05 };
  assert.equal(planFor(good), "full");
  assert.equal(planFor({ outgoingBps: null, lossFraction: null, rttSeconds: null }), "full");
  assert.equal(planFor({ ...good, outgoingBps: 200_000 }), "low");
  assert.equal(planFor({ ...good, lossFraction: 0.1 }), "low");
  assert.equal(planFor({ ...good, rttSeconds: 0.8 }), "low");
  assert.equal(planFor({ ...good, outgoingBps: 50_000 }), "audio");
  assert.equal(planFor({ ...good, lossFraction: 0.3 }), "audio");
});

Deno.test("createPlanner() steps down after 2 bad samples and back up after 4 good ones", () => {
  const planner = createPlanner();
  assert.equal(planner.next("audio"), null, "one bad sample is not enough");
  assert.equal(planner.next("full"), null);
  assert.equal(planner.next("audio"), null);
  assert.equal(planner.next("audio"), "audio");
  assert.equal(planner.plan, "audio");
  for (let i = 0; i < 3; i++) assert.equal(planner.next("low"), null);
  assert.equal(planner.next("low"), "low");
  assert.equal(planner.next("full"), null);
});
