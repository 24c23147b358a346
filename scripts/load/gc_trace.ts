/**
 * V8's `--trace-gc` lines from a server's output, each placed in time, so a benchmark can say
 * which collections fell inside one wrk run and how long they stopped the main thread:
 * young-generation ones (scavenges) and full ones (mark-compact), count, total and longest pause.
 * Every in-flight request waits through a pause, so pauses are a candidate for a latency tail
 * (issue 15). `bench:http --gc` starts the server with the flag; nothing here changes a server.
 *
 * A collection's time is the one V8 prints in the line (ms since the isolate started), not when
 * the line arrived: V8 writes these lines through C stdio, which buffers a pipe in 4 KB blocks,
 * so they arrive ~25 at a time, up to ~25 collections late (a block printed at the end of one
 * listing run arrived during the next run, or only when the server exited). The two clocks differ
 * by a constant, taken as the least (arrival − V8 time) seen: the last whole line of a block
 * arrives when the next line fills the block, so that least value overstates the offset by at
 * most the gap between two collections. Read a window once the server has exited (its buffer is
 * flushed then) or at least once later lines have arrived.
 */

export type GcKind = "young" | "full";

/** One collection: its kind, the main thread's pause and when V8 says it happened (ms). */
export interface GcEvent {
  kind: GcKind;
  pauseMs: number;
  /** V8's own time of the line: ms since the isolate started. */
  v8Ms: number;
}

// "[pid:0x…]   1234 ms: Scavenge 9.8 (12.3) -> 8.9 (12.3) MB, pooled: 0.0 MB, 1.23 / 0.00 ms (…"
const LINE =
  /(\d+) ms: ([A-Za-z][A-Za-z -]*?)(?: \([a-z ]+\))? [\d.]+ \([\d.]+\) -> [\d.]+ \([\d.]+\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms/;

/** The collection a `--trace-gc` line reports, or null for any other line. */
export function parseGcLine(line: string): GcEvent | null {
  const m = LINE.exec(line);
  if (!m) return null;
  const young = /Scavenge|Minor/.test(m[2]);
  return { kind: young ? "young" : "full", pauseMs: Number(m[3]), v8Ms: Number(m[1]) };
}

export interface GcSummary {
  young: number;
  youngMs: number;
  youngMaxMs: number;
  full: number;
  fullMs: number;
  fullMaxMs: number;
}

/** Collects the collections in a process's output and places them on `performance.now()`. */
export class GcWatch {
  #events: GcEvent[] = [];
  #partial = "";
  /** The least (arrival − V8 time) seen: performance.now() of V8's 0 ms, give or take one gap. */
  #offset = Infinity;

  /** Feeds a chunk of the process's output (lines may span chunks), arrived at `at`. */
  add(chunk: string, at = performance.now()): void {
    const lines = (this.#partial + chunk).split("\n");
    this.#partial = lines.pop() ?? "";
    for (const line of lines) {
      const event = parseGcLine(line);
      if (!event) continue;
      this.#events.push(event);
      this.#offset = Math.min(this.#offset, at - event.v8Ms);
    }
  }

  /** The collections that happened between `from` and `to` (performance.now() times). */
  between(from: number, to: number): GcSummary {
    const s: GcSummary = { young: 0, youngMs: 0, youngMaxMs: 0, full: 0, fullMs: 0, fullMaxMs: 0 };
    for (const event of this.#events) {
      const at = event.v8Ms + this.#offset;
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
