/**
 * `deno task bench:listing-cpu`: CPU per slot listing in-process — the real app (`app.fetch`,
 * real bootstrap, in-memory KV), 50 doctors, N listings in flight, the process's CPU time
 * divided by the listings answered. Unlike req/s under wrk, this hardly depends on what else the
 * machine runs, so it is the figure to compare two trees by (issue 15: docs/BENCHMARKS.md).
 * `/healthz` with `--healthz` is the app's floor (middleware and routing, no store).
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { createDoctor, dateInDays } from "../../tests/_harness/api.ts";
import { startApp } from "../../tests/_harness/app.ts";
import { positive } from "./options.ts";

export const USAGE = `Usage: deno task bench:listing-cpu [flags]

Lists one doctor's next week (rotating over the doctors) through the in-process app, with a
fixed number of listings in flight, and prints the CPU time per listing of each run and their
median. Rate limits are off, as in bench:http.

  --help             show this text
  --doctors N        doctors to seed (default 50)
  --in-flight N      listings in flight (default 50)
  --runs N           measured runs after a 1 s warm-up (default 6)
  --seconds S        length of each run (default 1)
  --healthz          request /healthz instead: the app's floor
`;

/** CPU µs per request over `ms`, with `inFlight` requests of `urls` always outstanding. */
async function run(
  fetch: (request: Request) => Response | Promise<Response>,
  urls: string[],
  inFlight: number,
  ms: number,
): Promise<number> {
  let answered = 0;
  const end = performance.now() + ms;
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: inFlight }, async (_, k) => {
    for (let i = k; performance.now() < end; i++) {
      const res = await fetch(new Request(urls[i % urls.length]));
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${urls[i % urls.length]} answered ${res.status}`);
      answered++;
    }
  }));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / answered;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      help: { type: "boolean" },
      doctors: { type: "string" },
      "in-flight": { type: "string" },
      runs: { type: "string" },
      seconds: { type: "string" },
      healthz: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const doctors = positive("doctors", values.doctors, 50);
  const inFlight = positive("in-flight", values["in-flight"], 50);
  const runs = positive("runs", values.runs, 6);
  const runMs = positive("seconds", values.seconds, 1) * 1000;

  await using app = await startApp({ RATE_LIMIT_DISABLED: "true" });
  const admin = await app.api.loginAdmin();
  const urls: string[] = [];
  for (let i = 0; i < doctors; i++) {
    const { id } = await createDoctor(app.api, admin);
    urls.push(
      values.healthz
        ? "http://vaidya.test/healthz"
        : `http://vaidya.test/v1/doctors/${id}/slots?from=${dateInDays(1)}&to=${dateInDays(7)}`,
    );
  }

  await run(app.fetch, urls, inFlight, 1000);
  const perRun: number[] = [];
  for (let i = 0; i < runs; i++) perRun.push(await run(app.fetch, urls, inFlight, runMs));
  const sorted = [...perRun].sort((a, b) => a - b);
  const load = Deno.loadavg().map((l) => l.toFixed(2));
  console.log(
    `${values.healthz ? "/healthz" : "slot listing"}: CPU µs per request ` +
      `${perRun.map((u) => u.toFixed(1)).join(" ")}; median ${
        sorted[sorted.length >> 1].toFixed(1)
      }, min ${sorted[0].toFixed(1)} (${inFlight} in flight, load average ${load.join(" ")})`,
  );
}
