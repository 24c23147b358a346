/**
 * Starts the real Vaidya server as a child process on a free loopback port, as `deno task start`
 * runs it (its bundle, built first if the sources changed: scripts/build.ts), with its own
 * temporary KV file; waits until /healthz answers, and can stop it gracefully, kill it with
 * SIGKILL, and start it again on the same port and data. Logs are kept for inspection (the
 * log-redaction tests grep them).
 */
import { freePort, REPO_ROOT } from "./ports.ts";
import { ensureBuilt } from "../../scripts/build.ts";
import { START_ENTRY } from "../../scripts/_start_task.ts";

export interface ServerOptions {
  env?: Record<string, string>;
  /** Reuse a KV file (e.g. a second process sharing it); default a new temp file. */
  kvPath?: string;
  port?: number;
  /** Extra `deno run` flags before the script (e.g. V8 flags, `--cpu-prof`). */
  denoArgs?: string[];
}

export interface TestServer {
  url: string;
  port: number;
  kvPath: string;
  env: Record<string, string>;
  logs(): string;
  /** How the last process ended (null while it runs). */
  exitStatus(): Deno.CommandStatus | null;
  stop(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export const ADMIN_PHONE = "+919900000001";

export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  await ensureBuilt();
  const port = options.port ?? freePort();
  const kvPath = options.kvPath ?? `${await Deno.makeTempDir({ prefix: "vaidya-kv-" })}/test.kv`;
  const env: Record<string, string> = {
    APP_ENV: "test",
    HOST: "127.0.0.1",
    PORT: String(port),
    KV_PATH: kvPath,
    ADMIN_PHONES: ADMIN_PHONE,
    LOG_LEVEL: "info",
    NO_COLOR: "1",
    ...options.env,
  };
  let child: Deno.ChildProcess | null = null;
  let output = "";
  let pump: Promise<void> = Promise.resolve();
  let lastStatus: Deno.CommandStatus | null = null;
  const decoder = new TextDecoder();

  async function spawn() {
    lastStatus = null;
    child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...(options.denoArgs ?? []), START_ENTRY],
      cwd: REPO_ROOT,
      env,
      clearEnv: false,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const read = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
    };
    pump = Promise.all([read(child.stdout), read(child.stderr)]).then(() => {});
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        await res.body?.cancel();
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      const status = await Promise.race([
        child.status,
        new Promise<null>((r) => setTimeout(() => r(null), 100)),
      ]);
      if (status) throw new Error(`Server exited with ${status.code} during start:\n${output}`);
    }
    throw new Error(`Server did not answer /healthz within 30 s:\n${output}`);
  }

  async function waitExit() {
    if (!child) return;
    lastStatus = await child.status;
    await pump;
    child = null;
  }

  function signal(sig: Deno.Signal) {
    try {
      child?.kill(sig);
    } catch {
      // already exited (e.g. a crash point ended it): nothing to signal
    }
  }

  await spawn();
  const server: TestServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    kvPath,
    env,
    logs: () => output,
    exitStatus: () => lastStatus,
    async stop() {
      signal("SIGTERM");
      await waitExit();
    },
    async kill() {
      signal("SIGKILL");
      await waitExit();
    },
    async restart() {
      await this.stop();
      await spawn();
    },
    async [Symbol.asyncDispose]() {
      await this.stop();
    },
  };
  return server;
}
