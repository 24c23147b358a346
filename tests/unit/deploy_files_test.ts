/**
 * Dockerfile, fly.toml and the Deno Deploy settings agree with the app: the port is the config
 * default, the health check path is a route that answers, the container runs exactly the
 * `start` task (and the build loads it once with `--warm-up`), and fly.toml names as secrets every variable that production start-up demands,
 * derived by asking loadConfig (not from a hand-kept list).
 */
import assert from "node:assert/strict";
import { createApp } from "../../src/app.ts";
import { bootstrap } from "../../src/bootstrap.ts";
import { ConfigError, loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { START_ENTRY, START_TASK, WARM_UP_ARGS } from "../../scripts/_start_task.ts";
import { BUNDLE_MAIN, ensureBuilt } from "../../scripts/build.ts";
import { execForm, parseDockerfile } from "./_dockerfile.ts";
import { parse as parseToml, type TomlTable } from "smol-toml";

const root = new URL("../../", import.meta.url);
const read = (name: string) => Deno.readTextFile(new URL(name, root));
const denoJson = JSON.parse(await read("deno.json")) as {
  tasks: Record<string, string | { command: string; dependencies?: string[] }>;
  deploy?: Record<string, unknown> & { runtime?: { type?: string; entrypoint?: string } };
};
const docker = parseDockerfile(await read("Dockerfile"));
const flySource = await read("fly.toml");
const fly = parseToml(flySource);
const defaults = loadConfig({});

const one = (name: string) => {
  const found = docker.filter((i) => i.name === name);
  assert.equal(found.length, 1, `exactly one ${name} in the Dockerfile`);
  return found[0].args;
};

/** A value loadConfig accepts for `name`, for probing what production requires. */
function probeValue(name: string): string {
  if (/_FROM$|PHONE/.test(name)) return "+919800000000";
  if (/_URL$|_URI$/.test(name)) return name.includes("MONGO") ? "mongodb://db" : "https://x.test";
  if (name === "AUDIT_KEY") return `a1:${"k".repeat(43)}`;
  // Secrets are checked for their shape too: 32 bytes of base64, kid:key pairs, private JWKs.
  if (name === "HMAC_SECRET") return "A".repeat(43);
  if (name === "DATA_ENCRYPTION_KEYS") return `k1:${"A".repeat(43)}`;
  if (name === "JWT_PRIVATE_JWKS") return JSON.stringify([{ kid: "probe", d: "AAAA" }]);
  return "probe-value-0123456789abcdef";
}

/** Adds the first missing variable each production error names, until start-up would pass. */
export function requiredProductionVars(): string[] {
  const env: Record<string, string> = { APP_ENV: "production" };
  const added: string[] = [];
  for (let round = 0; round < 20; round++) {
    try {
      loadConfig(env);
      return added.sort();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const lines = err.message.split("\n").slice(1);
      let progressed = false;
      for (const line of lines) {
        const name = (line.match(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g) ?? []).find((n) =>
          !(n in env)
        );
        if (!name) continue;
        env[name] = probeValue(name);
        added.push(name);
        progressed = true;
      }
      if (!progressed) throw new Error(`Cannot satisfy production config:\n${err.message}`);
    }
  }
  throw new Error("production config never settled");
}

Deno.test("Dockerfile pins the Deno version the repo runs and drops root", () => {
  const from = one("FROM");
  assert.match(from, /^denoland\/deno:(?:(?:alpine|debian|distroless)-)?2\.9\.6$/);
  assert.ok(from.endsWith(Deno.version.deno), `image ${from} vs deno ${Deno.version.deno}`);
  const users = docker.filter((i) => i.name === "USER").map((i) => i.args);
  assert.equal(users.at(-1), "deno");
  const runs = docker.filter((i) => i.name === "RUN").map((i) => i.args).join("\n");
  assert.match(runs, /deno (install|cache)/, "dependencies cached at build time");
});

Deno.test("the port agrees: config default, EXPOSE, fly internal_port and [env] PORT", () => {
  const http = fly.http_service as TomlTable;
  const env = fly.env as TomlTable;
  assert.equal(Number(one("EXPOSE")), defaults.PORT);
  assert.equal(http.internal_port, defaults.PORT);
  assert.equal(loadConfig({ PORT: String(env.PORT) }).PORT, http.internal_port);
});

Deno.test({
  name: "health checks hit a route that answers 200",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const checks = (fly.http_service as TomlTable).checks as TomlTable[];
    const paths = new Set([...checks.map((c) => String(c.path))]);
    const health = execForm(one("HEALTHCHECK")).join(" ");
    for (const p of ["/healthz"]) assert.ok(health.includes(p), "Docker HEALTHCHECK path");
    paths.add("/healthz");
    const config = loadConfig({ APP_ENV: "test", KV_PATH: ":memory:", LOG_LEVEL: "error" });
    const runtime = await bootstrap(config, createLogger({ level: "error", write: () => {} }));
    try {
      const app = createApp(runtime.deps);
      for (const path of paths) {
        assert.ok(app.routes.some((r) => r.method === "GET" && r.path === path), path);
        assert.equal((await app.request(path)).status, 200, path);
      }
    } finally {
      await runtime.close();
    }
  },
});

Deno.test("every task that runs the server's modules passes the start task's V8 flags", async () => {
  // V8 discards code cached under other flags and Deno compiles those modules again, so an
  // operator task run inside the container (dlq, purge, report, ...) without them would make the
  // next server start there recompile what the image's warm-up cached (~100 ms of CPU, issue 15).
  const checked: string[] = [];
  for (const [name, task] of Object.entries(denoJson.tasks)) {
    const line = typeof task === "string" ? task : task.command;
    const script = line.split(/\s+/).find((word) => /^(src|scripts)\/.*\.ts$/.test(word));
    if (!script || script === "src/main.ts") continue;
    if (!/from "(\.\.\/)+src\//.test(await read(script))) continue;
    checked.push(name);
    for (const flag of START_TASK.v8Flags) {
      assert.ok(line.split(/\s+/).includes(flag), `task ${name} runs ${script} without ${flag}`);
    }
  }
  assert.ok(checked.includes("dlq") && checked.includes("purge"), `checked: ${checked}`);
});

Deno.test("the container runs exactly `deno task start`; Deploy uses its entrypoint", () => {
  const start = START_TASK.command;
  assert.deepEqual(execForm(one("CMD")), start);
  // The task's leading assignments (glibc malloc tunables) are the image's environment too.
  const imageEnv = Object.fromEntries(
    docker.filter((i) => i.name === "ENV").flatMap((i) => i.args.split(/\s+/))
      .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
  );
  for (const [name, value] of Object.entries(START_TASK.env)) {
    assert.equal(imageEnv[name], value, `the Dockerfile sets ENV ${name}=${value}`);
  }
  // The task runs the bundle of src/main.ts, and builds it first (scripts/build.ts).
  assert.equal(START_ENTRY, BUNDLE_MAIN);
  const task = denoJson.tasks.start;
  assert.ok(typeof task !== "string" && task.dependencies?.includes("build"), "start builds");
  assert.match(String(denoJson.tasks.build), /scripts\/build\.ts/);
  assert.ok(
    docker.some((i) => i.name === "RUN" && i.args === "deno task build"),
    "the image builds the bundle",
  );
  // The new Deno Deploy reads `deploy.runtime` from deno.json and runs the sources' entry, which
  // the bundle is built from; Deploy Classic's keys (app, entrypoint, include, exclude for
  // deployctl) are gone with it (closed July 2026).
  assert.equal(denoJson.deploy?.runtime?.type, "dynamic");
  assert.equal(denoJson.deploy?.runtime?.entrypoint?.replace(/^\.\//, ""), "src/main.ts");
  for (const classic of ["app", "entrypoint", "include", "exclude"]) {
    assert.equal(classic in (denoJson.deploy ?? {}), false, `deploy.${classic} is Deploy Classic`);
  }
  assert.ok(
    start.includes("--allow-write=./data") &&
      docker.some((i) => i.name === "RUN" && i.args.includes("/app/data")),
    "the image has a writable ./data for the KV file",
  );
});

Deno.test({
  name: "the image warms Deno's code cache with the start command, which exits after loading",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // The command without its leading assignments: those are the image's ENV (test above).
    const warmUp = [...START_TASK.command, "--warm-up"];
    const runs = docker.filter((i) => i.name === "RUN").map((i) => i.args.split(/\s+/));
    assert.ok(
      runs.some((args) => args.join(" ") === warmUp.join(" ")),
      `a RUN of exactly: ${warmUp.join(" ")}`,
    );
    // With a configuration that would stop a real start (exit 78), it still exits 0, silently.
    await ensureBuilt();
    const out = await new Deno.Command(Deno.execPath(), {
      args: WARM_UP_ARGS,
      cwd: root,
      clearEnv: true,
      env: { ...START_TASK.env, APP_ENV: "not-an-environment", PATH: Deno.env.get("PATH") ?? "" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, text);
    assert.doesNotMatch(text, /listening|invalid configuration/);
  },
});

Deno.test("fly.toml names every secret production requires, and none in [env]", () => {
  const required = requiredProductionVars();
  assert.ok(required.includes("HMAC_SECRET") && required.length >= 4, required.join(","));
  const comment = flySource.split("\n").filter((l) => l.trimStart().startsWith("#")).join("\n");
  const section = comment.slice(comment.indexOf("Required secrets"));
  for (const name of required) {
    assert.match(section, new RegExp(`\\b${name}\\b`), `fly.toml secrets comment lacks ${name}`);
    assert.equal(name in (fly.env as TomlTable), false, `${name} must be a secret, not [env]`);
  }
  for (const name of ["MONGODB_URI", "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"]) {
    assert.match(section, new RegExp(`\\b${name}\\b`));
  }
  const env = Object.fromEntries(Object.entries(fly.env as TomlTable).map(([k, v]) => [k, `${v}`]));
  const probe = Object.fromEntries(required.map((n) => [n, probeValue(n)]));
  assert.equal(loadConfig({ ...env, ...probe }).APP_ENV, "production", "[env] + secrets start");
});

Deno.test("fly.toml: /metrics only on the internal METRICS_PORT, KV on the denokv machine", async () => {
  const env = Object.fromEntries(Object.entries(fly.env as TomlTable).map(([k, v]) => [k, `${v}`]));
  const config = loadConfig({ ...env, APP_ENV: "development" });
  const metrics = fly.metrics as TomlTable;
  assert.equal(metrics.path, "/metrics");
  assert.equal(metrics.port, config.METRICS_PORT, "Fly scrapes the metrics listener");
  assert.notEqual(config.METRICS_PORT, (fly.http_service as TomlTable).internal_port);
  const kv = parseToml(await read("deploy/fly/denokv.toml"));
  const cmd = ((kv.experimental as TomlTable).cmd as string[]).join(" ");
  const port = cmd.match(/--addr \S*:(\d+)/)?.[1];
  assert.equal(config.KV_PATH, `http://${kv.app}.internal:${port}`, "KV_PATH names the denokv app");
  assert.equal("http_service" in kv || "services" in kv, false, "denokv has no public service");
  assert.equal((kv.mounts as TomlTable).destination, cmd.match(/--sqlite-path (\/\S+)\//)?.[1]);
});

/**
 * Every file an image COPYs from the build context (the repository's root) exists and
 * .dockerignore lets it through: the last pattern that matches a path decides, "!" lets it in
 * again (patterns here are paths; a glob such as `*.kv` matches none of what is copied).
 */
async function assertCopiesInContext(image: { name: string; args: string }[]) {
  const ignore = (await read(".dockerignore")).split("\n").map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  for (const copy of image.filter((i) => i.name === "COPY" && !/--from=/.test(i.args))) {
    const sources = copy.args.split(/\s+/).filter((a) => !a.startsWith("--")).slice(0, -1);
    for (const source of sources.map((s) => s.replace(/\/$/, ""))) {
      await Deno.stat(new URL(source, root));
      const last = ignore.findLast((p) => {
        const path = p.replace(/^!/, "").replace(/\/$/, "");
        return source === path || source.startsWith(`${path}/`);
      });
      assert.ok(last === undefined || last.startsWith("!"), `.dockerignore leaves out ${source}`);
    }
  }
}

Deno.test("the app image copies only what the build context holds", async () => {
  await assertCopiesInContext(docker);
});

Deno.test("denokv's image: the pinned denokv, started after quickack.sh turns delayed ACKs off", async () => {
  const kv = parseToml(await read("deploy/fly/denokv.toml"));
  const dockerfile = (kv.build as TomlTable).dockerfile as string;
  const image = parseDockerfile(await read(`deploy/fly/${dockerfile}`));
  const provision = await read("scripts/provision.sh");
  const version = provision.match(/^DENOKV_VERSION=(\S+)/m)?.[1];
  const from = image.filter((i) => i.name === "FROM").map((i) => i.args);
  assert.equal(from[0], `ghcr.io/denoland/denokv:${version} AS denokv`, "the version CI tests");
  assert.match(image.find((i) => i.name === "RUN")?.args ?? "", /apt-get install .*\biproute2\b/);
  await assertCopiesInContext(image);
  const entry = image.find((i) => i.name === "ENTRYPOINT");
  const [shell, flag, script, name] = execForm(entry?.args ?? "[]");
  assert.deepEqual([shell, flag, name], ["bash", "-c", "denokv"]);
  assert.match(script, /^bash \/usr\/local\/bin\/quickack\.sh --all-routes; /);
  assert.match(
    script,
    /exec \/usr\/local\/bin\/denokv "\$@"$/,
    "denokv gets fly's cmd as its args",
  );
});

Deno.test("fly.toml: primary region bom, rolling deploys, concurrency limits", () => {
  assert.equal(fly.primary_region, "bom");
  for (const r of ["bom", "maa", "del", "sin"]) assert.match(flySource, new RegExp(`\\b${r}\\b`));
  assert.equal((fly.deploy as TomlTable).strategy, "rolling");
  const c = (fly.http_service as TomlTable).concurrency as TomlTable;
  assert.ok(Number(c.soft_limit) > 0 && Number(c.soft_limit) <= Number(c.hard_limit));
});
