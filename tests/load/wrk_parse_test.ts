/**
 * parseWrk() reads wrk's `--latency` report (units us/ms/s, errors, non-2xx) and the line the
 * script's `done` hook adds (p90 is in both; p99.9 and the mean only there); no process runs.
 */
import assert from "node:assert/strict";
import { parseWrk } from "../../scripts/load/wrk.ts";

const REPORT = `Running 5s test @ http://127.0.0.1:8787
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.10ms  420.00us   1.02s    91.00%
    Req/Sec    12.00k     1.10k   14.00k    70.00%
  Latency Distribution
     50%  850.00us
     75%    1.20ms
     90%    1.60ms
     99%    3.25ms
  120000 requests in 5.00s, 15.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
vaidya-latency-us p90=1598 p99.9=12345 mean=1104.7
Requests/sec:  23999.80
Transfer/sec:      3.00MB
`;

Deno.test("parseWrk() reads rate, percentiles in mixed units, socket errors and non-2xx", () => {
  assert.deepEqual(parseWrk(REPORT), {
    requests: 120000,
    requestsPerSecond: 24000,
    p50Ms: 0.85,
    p90Ms: 1.6,
    p99Ms: 3.25,
    p999Ms: 12.35,
    meanMs: 1.1,
    maxMs: 1020,
    errors: 3,
    non2xx: 4,
  });
});

Deno.test("parseWrk() without the done hook's line leaves p99.9 and the mean unknown", () => {
  const parsed = parseWrk(REPORT.replace(/vaidya-latency-us.*\n/, ""));
  assert.equal(parsed.p99Ms, 3.25);
  assert.ok(Number.isNaN(parsed.p999Ms) && Number.isNaN(parsed.meanMs));
});

Deno.test("parseWrk() refuses text that is not a wrk report", () => {
  assert.throws(() => parseWrk("wrk: connection refused"), /Cannot read wrk's report/);
});
