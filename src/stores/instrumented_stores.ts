/**
 * A timing decorator for the record stores: every call to a doctor, patient or appointment store
 * is observed in `vaidya_store_call_duration_seconds{store, op, outcome}`. It wraps the port, not
 * an adapter, so KV and MongoDB are measured the same way. It never looks at arguments or results.
 */
import type { AppMetrics } from "../observability/metrics.ts";
import type { RecordStores } from "./ports.ts";

type AnyFn = (...args: unknown[]) => unknown;

/** Wraps each method of `target` so its latency and outcome are recorded under `store`. */
export function instrumentMethods<T extends object>(
  target: T,
  store: string,
  metrics: Pick<AppMetrics, "storeLatency">,
): T {
  const out: Record<string, unknown> = {};
  for (const [op, value] of Object.entries(target)) {
    if (typeof value !== "function") {
      out[op] = value;
      continue;
    }
    const fn = (value as AnyFn).bind(target);
    // One observer per outcome: no labels object and label key per call (a booking makes ~15).
    const ok = metrics.storeLatency.observer({ store, op, outcome: "ok" });
    const failed = metrics.storeLatency.observer({ store, op, outcome: "error" });
    out[op] = async function timedStoreCall(...args: unknown[]) {
      const started = performance.now();
      let observe = ok;
      try {
        return await fn(...args);
      } catch (err) {
        observe = failed;
        throw err;
      } finally {
        observe((performance.now() - started) / 1000);
      }
    };
  }
  return out as T;
}

/** The record stores with every call timed; `ping` and `close` pass through unmeasured. */
export function instrumentStores(
  records: RecordStores,
  metrics: Pick<AppMetrics, "storeLatency">,
): RecordStores {
  return {
    ...records,
    doctors: instrumentMethods(records.doctors, "doctors", metrics),
    patients: instrumentMethods(records.patients, "patients", metrics),
    appointments: instrumentMethods(records.appointments, "appointments", metrics),
    ping: () => records.ping(),
    close: () => records.close(),
  };
}
