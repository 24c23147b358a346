/**
 * A throw-away `denokv` server (the self-hosted Deno KV, over KV Connect) for tests: SQLite in a
 * fresh temp dir, on a free 127.0.0.1 port, with an access token. `halt()` stops it and `restart()`
 * brings it back on the same port and data, so tests can watch what the app does while its KV is
 * down; `stop()` also removes the data.
 *
 * One access token per test process: Deno's KV Connect client reads `DENO_KV_ACCESS_TOKEN` from
 * its own environment, so `open()` in the test process and every app child process (through
 * `env`) use the same one. The binary comes from `DENOKV_BIN`, else `~/.cargo/bin/denokv` (where
 * scripts/provision.sh builds it), else `denokv` on PATH.
 */
import { freePort } from "./ports.ts";

export interface TestDenoKv {
  /** The KV Connect URL: what `KV_PATH` is set to. */
  url: string;
  port: number;
  token: string;
  /** `KV_PATH` and `DENO_KV_ACCESS_TOKEN` for an app process on this server. */
  env: Record<string, string>;
  /** A client in this process (close it before `stop()`). */
  open(): Promise<Deno.Kv>;
  /** Deletes every key (between tests that share one server). */
  clear(): Promise<void>;
  /** Stops the server as a crash would (SIGKILL), keeping port and data. */
  halt(): Promise<void>;
  /** Starts it again on the same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 15_000;

function processToken(): string {
  let token = Deno.env.get("DENO_KV_ACCESS_TOKEN");
  if (!token || token.length < 12) {
    token = `test-${crypto.randomUUID()}`;
    Deno.env.set("DENO_KV_ACCESS_TOKEN", token);
  }
  return token;
}

export async function denokvBinary(): Promise<string> {
  const fromEnv = Deno.env.get("DENOKV_BIN");
  if (fromEnv) return fromEnv;
  const cargo = `${Deno.env.get("CARGO_HOME") ?? `${Deno.env.get("HOME")}/.cargo`}/bin/denokv`;
  try {
    await Deno.stat(cargo);
    return cargo;
  } catch {
    return "denokv";
  }
}

export async function startDenoKv(): Promise<TestDenoKv> {
  const bin = await denokvBinary();
  const token = processToken();
  const dir = await Deno.makeTempDir({ prefix: "vaidya-denokv-" });
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: Deno.ChildProcess | null = null;

  async function launch() {
    try {
      child = new Deno.Command(bin, {
        args: ["--sqlite-path", `${dir}/kv.sqlite3`, "serve", "--addr", `127.0.0.1:${port}`],
        env: { DENO_KV_ACCESS_TOKEN: token, RUST_LOG: "error" },
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
    } catch (err) {
      throw new Error(
        `Cannot start ${bin} (build it with scripts/provision.sh or set DENOKV_BIN): ${err}`,
      );
    }
    await waitUntilServing(url, token, child);
  }

  async function kill() {
    const running = child;
    child = null;
    if (!running) return;
    try {
      running.kill("SIGKILL");
    } catch {
      // already exited
    }
    await running.status;
  }

  try {
    await launch();
  } catch (err) {
    await kill();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw err;
  }
  return {
    url,
    port,
    token,
    env: { KV_PATH: url, DENO_KV_ACCESS_TOKEN: token },
    open: () => Deno.openKv(url),
    async clear() {
      const kv = await Deno.openKv(url);
      try {
        let batch = kv.atomic();
        let n = 0;
        for await (const entry of kv.list({ prefix: [] })) {
          batch.delete(entry.key);
          if (++n % 500 === 0) {
            await batch.commit();
            batch = kv.atomic();
          }
        }
        await batch.commit();
      } finally {
        kv.close();
      }
    },
    halt: kill,
    async restart() {
      await kill();
      await launch();
    },
    async stop() {
      await kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Polls the KV Connect metadata exchange until the server answers it with our token. */
async function waitUntilServing(url: string, token: string, child: Deno.ChildProcess) {
  const state: { exited: Deno.CommandStatus | null } = { exited: null };
  child.status.then((s) => state.exited = s);
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = "";
  while (Date.now() < deadline) {
    if (state.exited) {
      throw new Error(`denokv exited with ${state.exited.code} at start-up on ${url}`);
    }
    try {
      const res = await fetch(`${url}/`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ supportedVersions: [2, 3] }),
      });
      last = `${res.status} ${await res.text()}`;
      if (res.ok) return;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`denokv did not answer on ${url} within ${START_TIMEOUT_MS} ms: ${last}`);
}
