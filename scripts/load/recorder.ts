/**
 * Records every request the load generator makes (endpoint, status, latency, problem `code` or
 * connection error) and summarises them: count, throughput, p50/p95/p99, and errors by code.
 * Owns only numbers in memory; it never makes a request itself.
 */

export interface Sample {
  endpoint: string;
  status: number;
  ms: number;
  /** The problem+json `code`, "connection_error", "timeout", or null for a 2xx. */
  code: string | null;
}

export interface EndpointStats {
  endpoint: string;
  count: number;
  ok: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  errors: Record<string, number>;
}

export interface PhaseStats {
  seconds: number;
  requests: number;
  rps: number;
  status5xx: number;
  connectionErrors: number;
  errors: Record<string, number>;
  endpoints: EndpointStats[];
}

/** The value at quantile `q` (0..1) of an ascending array, nearest-rank. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

const round = (n: number) => Math.round(n * 100) / 100;

export class Recorder {
  readonly samples: Sample[] = [];
  #startedAt = performance.now();
  #endedAt: number | null = null;

  start(): void {
    this.#startedAt = performance.now();
    this.#endedAt = null;
  }

  end(): void {
    this.#endedAt = performance.now();
  }

  add(sample: Sample): void {
    this.samples.push(sample);
  }

  get seconds(): number {
    return ((this.#endedAt ?? performance.now()) - this.#startedAt) / 1000;
  }

  summary(): PhaseStats {
    const seconds = this.seconds;
    const byEndpoint = new Map<string, Sample[]>();
    for (const s of this.samples) {
      const list = byEndpoint.get(s.endpoint) ?? [];
      list.push(s);
      byEndpoint.set(s.endpoint, list);
    }
    const errors: Record<string, number> = {};
    let status5xx = 0;
    let connectionErrors = 0;
    const endpoints: EndpointStats[] = [];
    for (const [endpoint, list] of byEndpoint) {
      const sorted = list.map((s) => s.ms).sort((a, b) => a - b);
      const errs: Record<string, number> = {};
      for (const s of list) {
        if (s.status >= 500) status5xx++;
        if (s.code === "connection_error" || s.code === "timeout") connectionErrors++;
        if (s.code === null) continue;
        const key = s.status > 0 ? `${s.status} ${s.code}` : s.code;
        errs[key] = (errs[key] ?? 0) + 1;
        errors[key] = (errors[key] ?? 0) + 1;
      }
      endpoints.push({
        endpoint,
        count: list.length,
        ok: list.filter((s) => s.status >= 200 && s.status < 300).length,
        rps: round(list.length / seconds),
        p50: round(percentile(sorted, 0.5)),
        p95: round(percentile(sorted, 0.95)),
        p99: round(percentile(sorted, 0.99)),
        max: round(sorted.at(-1) ?? 0),
        errors: errs,
      });
    }
    endpoints.sort((a, b) => a.endpoint.localeCompare(b.endpoint));
    return {
      seconds: round(seconds),
      requests: this.samples.length,
      rps: round(this.samples.length / seconds),
      status5xx,
      connectionErrors,
      errors,
      endpoints,
    };
  }
}
