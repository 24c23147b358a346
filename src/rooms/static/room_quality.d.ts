// Types of room_quality.js (a browser module), for its Deno unit test.
export type Plan = "full" | "low" | "audio";
export declare const PLANS: Plan[];
export declare function planFor(s: {
  outgoingBps: number | null;
  lossFraction: number | null;
  rttSeconds: number | null;
}): Plan;
export declare function createPlanner(): { readonly plan: Plan; next(sample: Plan): Plan | null };
