/**
 * `deno task bench:listing-cpu`: CPU per slot listing in-process — the real app (`app.fetch`,
 * real bootstrap, in-memory KV or with `--kv-file` a KV file as the server has), 50 doctors, N listings in flight, the process's CPU time
 * divided by the listings answered. It depends less on what else the machine runs than req/s
 * under wrk, but on a busy machine single runs still swing by half; `--against DIR` then
 * compares two trees in one process, run by run (issue 15: docs/BENCHMARKS.md).
 * `/healthz` with `--healthz` is the app's floor (middleware and routing, no store).
 */
import process from "node:process";
import { parseArgs } from "node:util";
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
  --kv-file          each app on a fresh KV file in a temporary directory, as the server runs
                     (its reads then go to SQLite's thread), instead of an in-memory KV
  --against DIR      also build the app of another checkout (e.g. a git worktree of main) in
                     this process and alternate the runs between the two trees (the order
                     flips every pair); prints each tree's median and the median ratio of the
                     pairs. The tree imported first runs a few % differently: run it again
                     with --against-first and take the geometric mean of the two ratios.
  --against-first    with --against: import DIR's app before this tree's
`;

type Harness = {
  api: typeof import("../../tests/_harness/api.ts");
  app: typeof import("../../tests/_harness/app.ts");
};

/**
 * The in-process app of the checkout at `root` and the URLs to request, its doctors seeded; on a
 * KV file in `kvDir` if given.
 */
async function seededApp(root: URL, doctors: number, healthz: boolean, kvDir?: string) {
  const harness: Harness = {
    api: await import(new URL("tests/_harness/api.ts", root).href),
    app: await import(new URL("tests/_harness/app.ts", root).href),
  };
  const app = await harness.app.startApp({
    RATE_LIMIT_DISABLED: "true",
    ...(kvDir ? { KV_PATH: await Deno.makeTempFile({ dir: kvDir, suffix: ".kv" }) } : {}),
  });
  const admin = await app.api.loginAdmin();
  const urls: string[] = [];
  const { dateInDays } = harness.api;
  for (let i = 0; i < doctors; i++) {
    const { id } = await harness.api.createDoctor(app.api, admin);
    urls.push(
      healthz
        ? "http://vaidya.test/healthz"
        : `http://vaidya.test/v1/doctors/${id}/slots?from=${dateInDays(1)}&to=${dateInDays(7)}`,
    );
  }
  return { app, urls };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

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
      against: { type: "string" },
      "against-first": { type: "boolean" },
      "kv-file": { type: "boolean" },
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
  const healthz = values.healthz ?? false;
  const what = healthz ? "/healthz" : "slot listing";
  const load = () => Deno.loadavg().map((l) => l.toFixed(2)).join(" ");
  const kvDir = values["kv-file"] ? await Deno.makeTempDir({ prefix: "listing-cpu-" }) : undefined;
  await using _kvDir = {
    [Symbol.asyncDispose]: () =>
      kvDir ? Deno.remove(kvDir, { recursive: true }) : Promise.resolve(),
  };

  const here = new URL("../../", import.meta.url);
  const against = values.against === undefined ? undefined : new URL(
    values.against.endsWith("/") ? values.against : `${values.against}/`,
    `file://${Deno.cwd()}/`,
  );
  const otherFirst = against && values["against-first"]
    ? await seededApp(against, doctors, healthz, kvDir)
    : undefined;
  const ours = await seededApp(here, doctors, healthz, kvDir);
  await using _ = ours.app;
  await run(ours.app.fetch, ours.urls, inFlight, 1000);

  if (against === undefined) {
    const perRun: number[] = [];
    for (let i = 0; i < runs; i++) {
      perRun.push(await run(ours.app.fetch, ours.urls, inFlight, runMs));
    }
    console.log(
      `${what}: CPU µs per request ${perRun.map((u) => u.toFixed(1)).join(" ")}; median ${
        median(perRun).toFixed(1)
      }, min ${Math.min(...perRun).toFixed(1)} (${inFlight} in flight${
        kvDir ? ", KV file" : ""
      }, load average ${load()})`,
    );
  } else {
    const other = otherFirst ?? await seededApp(against, doctors, healthz, kvDir);
    await using _other = other.app;
    await run(other.app.fetch, other.urls, inFlight, 1000);
    const mine: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const first = i % 2 === 0;
      if (first) mine.push(await run(ours.app.fetch, ours.urls, inFlight, runMs));
      theirs.push(await run(other.app.fetch, other.urls, inFlight, runMs));
      if (!first) mine.push(await run(ours.app.fetch, ours.urls, inFlight, runMs));
    }
    const ratios = mine.map((m, i) => m / theirs[i]);
    console.log(
      `${what}: CPU µs per request, median of ${runs} runs: this tree ${
        median(mine).toFixed(1)
      }, ${values.against} ${median(theirs).toFixed(1)}; this/that per pair: median ${
        median(ratios).toFixed(3)
      } (${
        ratios.map((r) => r.toFixed(2)).join(" ")
      }) (${inFlight} in flight, load average ${load()})`,
    );
  }
}
