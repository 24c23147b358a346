/**
 * Closed-loop GET load: `concurrency` clients each send the next request as soon as the last one
 * answered, until `count` requests are done or `maxMs` passes. The same loop measures our slot
 * listing and the bare baselines, so their ratio compares servers, not generators.
 */
import { LoadClient } from "./client.ts";
import { type PhaseStats, Recorder } from "./recorder.ts";

export interface GetLoadOptions {
  baseUrl: string;
  endpoint: string;
  path: () => string;
  concurrency: number;
  count: number;
  maxMs: number;
  /** Requests sent first and not recorded (JIT and connection warm-up). */
  warmup?: number;
}

export async function runGetLoad(o: GetLoadOptions): Promise<PhaseStats> {
  const warm = new LoadClient(o.baseUrl, new Recorder());
  const warmupCount = o.warmup ?? Math.min(500, o.count);
  let sent = 0;
  await Promise.all(Array.from({ length: o.concurrency }, async () => {
    while (sent++ < warmupCount) await warm.ping(o.path(), o.endpoint);
  }));

  const recorder = new Recorder();
  const client = new LoadClient(o.baseUrl, recorder);
  const deadline = Date.now() + o.maxMs;
  sent = 0;
  recorder.start();
  await Promise.all(Array.from({ length: o.concurrency }, async () => {
    while (sent < o.count && Date.now() < deadline) {
      sent++;
      await client.ping(o.path(), o.endpoint);
    }
  }));
  recorder.end();
  return recorder.summary();
}
