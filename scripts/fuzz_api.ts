/**
 * `deno task fuzz:api`: Schemathesis against the real server, once per role. Starts Vaidya
 * (`deno run src/main.ts`) on a free loopback port with a fresh temporary KV file, seeds a doctor
 * through the public API, logs in an admin, a patient and that doctor through the OTP flow, and
 * runs `st run <url>/openapi.json --checks all` (all phases, stateful included) as anonymous,
 * patient, doctor and admin with a bounded number of examples. The committed schemathesis.toml
 * names, per operation, the statuses that are correct answers to schema-valid data where no
 * schema can say why (see its comments). Prints one line per role (generated test cases, wall
 * time) and exits non-zero when any role found a failure. Never prints tokens or phone numbers.
 *
 * Usage: deno task fuzz:api [--roles anonymous,patient,doctor,admin] [--max-examples N]
 *                           [--seed N] [--phases LIST] [--max-time S]
 *                           [--paths REGEX] [--parallel N] [--verbose]
 */
import { parseArgs, UsageError } from "./_cli.ts";
import { z } from "zod";
import { Api, createDoctor, randomPhone } from "../tests/_harness/api.ts";
import { startServer } from "../tests/_harness/server.ts";

export const SCHEMATHESIS_VERSION = "4.32.5";
/** The committed settings: which statuses are correct answers to valid data, per operation. */
export const CONFIG_FILE = new URL("../schemathesis.toml", import.meta.url).pathname;

export const USAGE = `Usage: deno task fuzz:api [flags]

Runs Schemathesis ${SCHEMATHESIS_VERSION} (all checks, stateful phase included) against a fresh
Vaidya server on 127.0.0.1, once per role. Schemathesis comes from the venv that
scripts/provision.sh installs (SCHEMATHESIS_BIN overrides where "st" is found).

  --help              show this text
  --roles LIST        comma-separated subset of anonymous,patient,doctor,admin (default all)
  --max-examples N    examples per operation and phase (default 20)
  --seed N            Hypothesis seed, for a reproducible run (default 1)
  --phases LIST       Schemathesis phases (default examples,coverage,fuzzing,stateful)
  --max-time S        keep fuzzing each role for S seconds (default: stop after the examples)
  --paths REGEX       only the operations whose path matches REGEX (e.g. ^/v1/doctors)
  --parallel N        run N roles at a time against the one server (default 1)
  --verbose           print Schemathesis' own output for every role, not only failing ones
`;

const ROLES = ["anonymous", "patient", "doctor", "admin"] as const;
type Role = typeof ROLES[number];

const Options = z.object({
  roles: z.string().default(ROLES.join(",")).transform((s, ctx) => {
    const roles = s.split(",").map((r) => r.trim()).filter(Boolean);
    const bad = roles.filter((r) => !ROLES.includes(r as Role));
    if (bad.length) ctx.addIssue({ code: "custom", message: `unknown role ${bad.join(", ")}` });
    return roles as Role[];
  }),
  "max-examples": z.coerce.number().int().min(1).max(1000).default(20),
  seed: z.coerce.number().int().min(0).default(1),
  phases: z.string().regex(/^[a-z,]+$/).default("examples,coverage,fuzzing,stateful"),
  paths: z.string().min(1).optional(),
  "max-time": z.coerce.number().int().min(1).max(3600).optional(),
  parallel: z.coerce.number().int().min(1).max(4).default(1),
  verbose: z.boolean().default(false),
});
export type FuzzOptions = z.infer<typeof Options>;

export interface RoleResult {
  role: Role;
  ok: boolean;
  /** Test cases Schemathesis generated (its summary's "N generated"). */
  generated: number;
  /** Wall time of this role's run. */
  seconds: number;
  /** Schemathesis' summary lines (failures and their kinds), tokens never included. */
  summary: string;
  output: string;
}

/** The `st` executable: $SCHEMATHESIS_BIN, else the provisioned venv under the cache dir. */
export function schemathesisBin(): string {
  const fromEnv = Deno.env.get("SCHEMATHESIS_BIN");
  if (fromEnv) return fromEnv;
  const cache = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`;
  return `${cache}/vaidya/schemathesis-${SCHEMATHESIS_VERSION}/bin/st`;
}

/**
 * The committed schemathesis.toml plus a dictionary of the next seven days for the slot search's
 * `from` and `to` (4 in 5 generated values; the rest stay fuzzed), so that some searches
 * find bookable slots and the stateful phase can follow listSlots -> holdSlot -> confirm/release.
 * The dates depend on today, which is why they are added here rather than committed.
 */
export async function withNextDays(configFile: string, nowMs: number): Promise<string> {
  const days = Array.from(
    { length: 7 },
    (_, i) => new Date(nowMs + (i + 1) * 86_400_000).toISOString().slice(0, 10),
  );
  const near = `{ dictionary = "next-days", probability = 0.8 }`;
  return `${await Deno.readTextFile(configFile)}
[dictionaries.next-days]
values = ${JSON.stringify(days)}

[[operations]]
include-name = "GET /v1/doctors/{id}/slots"
parameters = { "query.from" = ${near}, "query.to" = ${near} }
`;
}

/** Runs the whole fuzz: server, seeded users, one Schemathesis run per role. */
export async function fuzzApi(options: FuzzOptions): Promise<RoleResult[]> {
  const st = schemathesisBin();
  try {
    await Deno.stat(st);
  } catch {
    throw new UsageError(`Schemathesis not found at ${st}: run bash scripts/provision.sh`);
  }
  // Rate limits off: the fuzzer sends thousands of requests from one address; 429 stays documented.
  await using server = await startServer({
    env: { RATE_LIMIT_DISABLED: "true", LOG_LEVEL: "error" },
  });
  const api = new Api(server.url);
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin);
  const tokens: Record<Role, string | null> = {
    anonymous: null,
    admin: admin.accessToken,
    patient: (await api.login(randomPhone())).accessToken,
    doctor: (await api.login(doctor.phone)).accessToken,
  };
  // Schemathesis keeps state in ./.schemathesis: give it a scratch folder, not the repo.
  const scratch = await Deno.makeTempDir({ prefix: "vaidya-fuzz-" });
  const config = `${scratch}/schemathesis.toml`;
  await Deno.writeTextFile(config, await withNextDays(CONFIG_FILE, Date.now()));
  const runRole = async (role: Role): Promise<RoleResult> => {
    const token = tokens[role];
    const args = [
      "--config-file",
      config,
      "run",
      `${server.url}/openapi.json`,
      "--checks",
      "all",
      "--phases",
      options.phases,
      "--max-examples",
      String(options["max-examples"]),
      "--seed",
      String(options.seed),
      "--generation-database",
      "none",
      "--workers",
      "1",
      ...(options["max-time"] ? ["--max-time", String(options["max-time"])] : []),
      "--no-color",
      "--request-timeout",
      "15",
      ...(options.paths ? ["--include-path-regex", options.paths] : []),
      ...(token ? ["--header", `Authorization: Bearer ${token}`] : []),
    ];
    const cwd = `${scratch}/${role}`;
    await Deno.mkdir(cwd);
    const started = performance.now();
    const out = await new Deno.Command(st, {
      args,
      cwd,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", SCHEMATHESIS_TELEMETRY: "false" },
    }).output();
    const seconds = (performance.now() - started) / 1000;
    const dec = new TextDecoder();
    let output = dec.decode(out.stdout) + dec.decode(out.stderr);
    if (token) output = output.replaceAll(token, "<token>");
    const at = output.lastIndexOf("SUMMARY");
    const summary = at < 0 ? output : output.slice(output.lastIndexOf("\n", at) + 1);
    const generated = Number(/(\d+) generated/.exec(summary)?.[1] ?? 0);
    return { role, ok: out.success, generated, seconds, summary, output };
  };
  // Roles run `parallel` at a time against the one server; each run stays seeded and ordered.
  const results: RoleResult[] = [];
  const queue = [...options.roles];
  await Promise.all(
    Array.from({ length: Math.min(options.parallel, queue.length) }, async () => {
      for (let role = queue.shift(); role; role = queue.shift()) results.push(await runRole(role));
    }),
  );
  results.sort((a, b) => options.roles.indexOf(a.role) - options.roles.indexOf(b.role));
  await Deno.remove(scratch, { recursive: true });
  return results;
}

if (import.meta.main) {
  try {
    const options = parseArgs(Deno.args, Options, USAGE, ["verbose"]);
    const results = await fuzzApi(options);
    for (const r of results) {
      const figures = `${r.generated} generated, ${r.seconds.toFixed(1)} s`;
      console.log(`== ${r.role}: ${r.ok ? "no failures" : "FAILURES"} (${figures})`);
      console.log(options.verbose || !r.ok ? r.output : r.summary);
    }
    Deno.exit(results.every((r) => r.ok) ? 0 : 1);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    Deno.exit(2);
  }
}
