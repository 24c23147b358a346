/** parseWrk() reads wrk's `--latency` report (units us/ms/s, errors, non-2xx); no process runs. */
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
Requests/sec:  23999.80
Transfer/sec:      3.00MB
`;

Deno.test("parseWrk() reads rate, percentiles in mixed units, socket errors and non-2xx", () => {
  assert.deepEqual(parseWrk(REPORT), {
    requests: 120000,
    requestsPerSecond: 24000,
    p50Ms: 0.85,
    p99Ms: 3.25,
    maxMs: 1020,
    errors: 3,
    non2xx: 4,
  });
});

Deno.test("parseWrk() refuses text that is not a wrk report", () => {
  assert.throws(() => parseWrk("wrk: connection refused"), /Cannot read wrk's report/);
});
