// Vaidya video room: what to send on the link we have. Pure functions over numbers read from
// RTCPeerConnection.getStats(), so they are unit-tested in Deno (tests/unit/room_quality_test.ts).

/** Send plans, best first. */
export const PLANS = ["full", "low", "audio"];

/**
 * The plan one stats sample asks for: audio only when the link cannot carry video at all, a
 * lower-resolution sender when it is weak. Unknown figures (null) count as good.
 * @param {{ outgoingBps: number | null, lossFraction: number | null, rttSeconds: number | null }} s
 */
export function planFor(s) {
  const bps = s.outgoingBps ?? Infinity;
  const loss = s.lossFraction ?? 0;
  const rtt = s.rttSeconds ?? 0;
  if (bps < 80_000 || loss > 0.25) return "audio";
  if (bps < 250_000 || loss > 0.08 || rtt > 0.6) return "low";
  return "full";
}

/**
 * Hysteresis over samples: a worse plan after 2 samples in a row ask for it, a better one after
 * 4, so a call does not flap between resolutions.
 */
export function createPlanner() {
  let current = "full";
  let candidate = "full";
  let streak = 0;
  return {
    get plan() {
      return current;
    },
    /** Feeds one sample's plan; returns the new plan when it changes, else null. */
    next(sample) {
      if (sample === current) {
        streak = 0;
        return null;
      }
      streak = sample === candidate ? streak + 1 : 1;
      candidate = sample;
      const worse = PLANS.indexOf(sample) > PLANS.indexOf(current);
      if (streak >= (worse ? 2 : 4)) {
        current = sample;
        streak = 0;
        return current;
      }
      return null;
    },
  };
}

/** The numbers planFor() needs, from a getStats() report. */
export function linkFigures(report) {
  let outgoingBps = null;
  let lossFraction = null;
  let rttSeconds = null;
  report.forEach((stat) => {
    if (stat.type === "candidate-pair" && stat.nominated && stat.state === "succeeded") {
      if (typeof stat.availableOutgoingBitrate === "number") {
        outgoingBps = stat.availableOutgoingBitrate;
      }
      if (typeof stat.currentRoundTripTime === "number") rttSeconds = stat.currentRoundTripTime;
    }
    if (stat.type === "remote-inbound-rtp" && stat.kind === "video") {
      if (typeof stat.fractionLost === "number") lossFraction = stat.fractionLost;
    }
  });
  return { outgoingBps, lossFraction, rttSeconds };
}
