/**
 * A small Prometheus registry: counters and histograms with labels, rendered in the text
 * exposition format for `/metrics`. In-process only; each instance is scraped on its own.
 */

type Labels = Record<string, string>;

/** `k="v"` pairs sorted by name; built without intermediate arrays (one per request's latency). */
function labelKey(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let key = "";
  for (const k of names) key += `${key ? "," : ""}${k}="${escapeLabel(labels[k])}"`;
  return key;
}

const NEEDS_ESCAPE = /[\\"\n]/;

function escapeLabel(v: string): string {
  if (!NEEDS_ESCAPE.test(v)) return v;
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export interface Counter {
  inc(labels?: Labels, by?: number): void;
}

export interface Histogram {
  observe(labels: Labels, value: number): void;
  /**
   * `observe` for one fixed set of labels, for a caller that keeps it per label set (the
   * latency of every request): no label key is built per observation.
   */
  observer(labels: Labels): (value: number) => void;
}

export interface Gauge {
  set(labels: Labels, value: number): void;
}

interface Family {
  name: string;
  help: string;
  type: "counter" | "histogram" | "gauge";
  render(): string[];
}

export class MetricsRegistry {
  #families: Family[] = [];

  counter(name: string, help: string): Counter {
    const values = new Map<string, number>();
    this.#families.push({
      name,
      help,
      type: "counter",
      render: () => [...values].map(([k, v]) => `${name}${k ? `{${k}}` : ""} ${v}`),
    });
    return {
      inc(labels = {}, by = 1) {
        const key = labelKey(labels);
        values.set(key, (values.get(key) ?? 0) + by);
      },
    };
  }

  gauge(name: string, help: string): Gauge {
    const values = new Map<string, number>();
    this.#families.push({
      name,
      help,
      type: "gauge",
      render: () => [...values].map(([k, v]) => `${name}${k ? `{${k}}` : ""} ${v}`),
    });
    return { set: (labels, value) => values.set(labelKey(labels), value) };
  }

  histogram(name: string, help: string, buckets: number[]): Histogram {
    const series = new Map<string, { counts: number[]; sum: number; count: number }>();
    this.#families.push({
      name,
      help,
      type: "histogram",
      render: () => {
        const lines: string[] = [];
        for (const [k, s] of series) {
          const prefix = k ? `${k},` : "";
          let cumulative = 0;
          buckets.forEach((b, i) => {
            cumulative += s.counts[i];
            lines.push(`${name}_bucket{${prefix}le="${b}"} ${cumulative}`);
          });
          lines.push(`${name}_bucket{${prefix}le="+Inf"} ${s.count}`);
          lines.push(`${name}_sum${k ? `{${k}}` : ""} ${s.sum}`);
          lines.push(`${name}_count${k ? `{${k}}` : ""} ${s.count}`);
        }
        return lines;
      },
    });
    function seriesOf(labels: Labels) {
      const key = labelKey(labels);
      let s = series.get(key);
      if (!s) {
        s = { counts: buckets.map(() => 0), sum: 0, count: 0 };
        series.set(key, s);
      }
      return s;
    }
    function add(s: { counts: number[]; sum: number; count: number }, value: number) {
      for (let i = 0; i < buckets.length; i++) {
        if (value <= buckets[i]) {
          s.counts[i]++;
          break;
        }
      }
      s.sum += value;
      s.count++;
    }
    return {
      observe(labels, value) {
        add(seriesOf(labels), value);
      },
      observer(labels) {
        // The series appears on its first observation, as with `observe`.
        let s: { counts: number[]; sum: number; count: number } | undefined;
        return (value) => add(s ??= seriesOf(labels), value);
      },
    };
  }

  render(): string {
    const out: string[] = [];
    for (const f of this.#families) {
      out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.render());
    }
    return out.join("\n") + "\n";
  }
}

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The product's metrics, created once per app so tests get a fresh registry. */
export function createAppMetrics() {
  const registry = new MetricsRegistry();
  return {
    registry,
    httpDuration: registry.histogram(
      "vaidya_http_request_duration_seconds",
      "HTTP request duration by route and status",
      SECONDS,
    ),
    bookings: registry.counter("vaidya_bookings_total", "Booking attempts by step and outcome"),
    holdsCreated: registry.counter("vaidya_holds_created_total", "Slot holds created"),
    holdsExpired: registry.counter(
      "vaidya_holds_expired_total",
      "Holds that expired unconfirmed, counted once by the expiry check at their due time",
    ),
    codesSent: registry.counter("vaidya_codes_sent_total", "One-time codes sent, by outcome"),
    storeLatency: registry.histogram(
      "vaidya_store_call_duration_seconds",
      "Latency of calls to stores, by store and operation",
      SECONDS,
    ),
    outboxDepth: registry.gauge(
      "vaidya_outbox_depth",
      "Event outbox entries waiting, by state (due, scheduled), read by this instance's relay",
    ),
    outboxOldestAge: registry.gauge(
      "vaidya_outbox_oldest_due_age_seconds",
      "Age of the oldest outbox entry already due (0 when none is due)",
    ),
    queueRetries: registry.counter("vaidya_queue_retries_total", "Event handler retries"),
    calendarRacesLost: registry.counter(
      "vaidya_calendar_races_lost_total",
      "Calendar commits refused as a key they check moved since their step read it (run again)",
    ),
    messageDeliveries: registry.counter(
      "vaidya_message_delivery_total",
      "Messages by channel and delivery status (queued when sent, then Twilio's status callbacks)",
    ),
    whatsappFallbacks: registry.counter(
      "vaidya_whatsapp_fallback_total",
      "WhatsApp messages Twilio reported undelivered or failed that were sent again by SMS",
    ),
    processMemory: registry.gauge(
      "vaidya_process_memory_bytes",
      "Memory of this process by kind (rss, heap_total, heap_used, external), read at scrape time",
    ),
    cacheLookups: registry.counter(
      "vaidya_cache_lookups_total",
      "Read-through cache lookups by namespace and outcome (hit, miss, bypass, error)",
    ),
  };
}

export type AppMetrics = ReturnType<typeof createAppMetrics>;

/** Sets the outbox gauges from one look at the outbox (src/events/outbox.ts `outboxStats`). */
export function recordOutboxStats(
  metrics: Pick<AppMetrics, "outboxDepth" | "outboxOldestAge">,
  stats: { depth: number; due: number; oldestDueAgeMs: number },
) {
  metrics.outboxDepth.set({ state: "due" }, stats.due);
  metrics.outboxDepth.set({ state: "scheduled" }, stats.depth - stats.due);
  metrics.outboxOldestAge.set({}, stats.oldestDueAgeMs / 1000);
}
