/**
 * What presenting a refresh token means, from the token's record alone (pure: the clock is an
 * argument). A token not used yet rotates. A token already rotated is normally theft (two holders),
 * but honest clients present one token twice too: a retry whose answer the network lost, two tabs
 * refreshing at the same moment. So within a short grace after the rotation a second presentation
 * is answered with a sibling pair in the same family, a bounded number of times; after the grace
 * (or past the bound) it is reuse and the family ends. The session's own state (ended, expired) is
 * judged before this: a token of an ended session is never graced.
 */

/** Graced re-issues one rotated token may get: retries and tabs, not a loop minting tokens. */
export const MAX_GRACED_REISSUES = 5;

export type Presentation = "rotate" | "grace" | "reuse";

export interface PresentedToken {
  /** When the token was rotated (its first use), or null while unused. */
  rotatedAtMs: number | null;
  /** Siblings already issued for it within the grace. */
  gracedReissues?: number;
}

export function judgePresentation(
  token: PresentedToken,
  nowMs: number,
  graceMs: number,
): Presentation {
  if (token.rotatedAtMs === null) return "rotate";
  // Another instance's clock may run a little ahead: a rotation "in the future" is a fresh one.
  const graced = graceMs > 0 && nowMs < token.rotatedAtMs + graceMs &&
    (token.gracedReissues ?? 0) < MAX_GRACED_REISSUES;
  return graced ? "grace" : "reuse";
}
