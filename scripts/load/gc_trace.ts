/**
 * V8's `--trace-gc` lines from a server's output, kept with the time each arrived, so a benchmark
 * can say which collections fell inside one wrk run and how long they stopped the main thread:
 * young-generation ones (scavenges) and full ones (mark-compact), count, total and longest pause.
 * Every in-flight request waits through a pause, so pauses are a candidate for a latency tail
 * (issue 15). `bench:http --gc` starts the server with the flag; nothing here changes a server.
 */

export type GcKind = "young" | "full";

/** One collection: its kind and the main thread's pause (ms, as V8 prints it). */
export interface GcEvent {
  kind: GcKind;
  pauseMs: number;
}

// "[pid:0x…]   1234 ms: Scavenge 9.8 (12.3) -> 8.9 (12.3) MB, pooled: 0.0 MB, 1.23 / 0.00 ms (…"
const LINE =
  /\d+ ms: ([A-Za-z][A-Za-z -]*?)(?: \([a-z ]+\))? [\d.]+ \([\d.]+\) -> [\d.]+ \([\d.]+\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms/;

/** The collection a `--trace-gc` line reports, or null for any other line. */
export function parseGcLine(line: string): GcEvent | null {
  const m = LINE.exec(line);
  if (!m) return null;
  const young = /Scavenge|Minor/.test(m[1]);
  return { kind: young ? "young" : "full", pauseMs: Number(m[2]) };
}

export interface GcSummary {
  young: number;
  youngMs: number;
  youngMaxMs: number;
  full: number;
  fullMs: number;
  fullMaxMs: number;
}

/** Collects the collections in a process's output, each stamped with `performance.now()`. */
export class GcWatch {
  #events: { at: number; event: GcEvent }[] = [];
  #partial = "";

  /** Feeds a chunk of the process's output (lines may span chunks). */
  add(chunk: string, at = performance.now()): void {
    const lines = (this.#partial + chunk).split("\n");
    this.#partial = lines.pop() ?? "";
    for (const line of lines) {
      const event = parseGcLine(line);
      if (event) this.#events.push({ at, event });
    }
  }

  /** The collections that arrived between `from` and `to` (performance.now() times). */
  between(from: number, to: number): GcSummary {
    const s: GcSummary = { young: 0, youngMs: 0, youngMaxMs: 0, full: 0, fullMs: 0, fullMaxMs: 0 };
    for (const { at, event } of this.#events) {
      if (at < from || at > to) continue;
      if (event.kind === "young") {
        s.young++;
        s.youngMs += event.pauseMs;
        s.youngMaxMs = Math.max(s.youngMaxMs, event.pauseMs);
      } else {
        s.full++;
        s.fullMs += event.pauseMs;
        s.fullMaxMs = Math.max(s.fullMaxMs, event.pauseMs);
      }
    }
    s.youngMs = Math.round(s.youngMs * 10) / 10;
    s.fullMs = Math.round(s.fullMs * 10) / 10;
    return s;
  }
}
