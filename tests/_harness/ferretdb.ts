/**
 * A throw-away MongoDB-compatible server for tests: FerretDB on its SQLite backend in a fresh temp
 * dir on a free 127.0.0.1 port, SQLite with `synchronous=normal` (WAL: a commit survives a process
 * crash, fsync at checkpoints, close to MongoDB's default journal interval). `halt()` and `restart()` keep the port and the data, so tests can
 * check that a store fails fast while the server is down and recovers by itself afterwards. With `MONGODB_URI` set, the tests use that server instead; `stop()` then
 * drops every database handed out by `database()` and `restart()` is not possible.
 *
 * Go's collector runs at `GOGC=400` (unless `GOGC` is set): at Go's default of 100 FerretDB's small
 * heap is collected every few milliseconds under load, and 400 took ~10-20% off its CPU per
 * booking (docs/BENCHMARKS.md, issue 15), for a larger heap a test rig can spare. Go code runs on
 * one processor, `GOMAXPROCS=1` (unless set): FerretDB shares this rig's two CPUs with the server
 * and the load generator, and with two processors Go's scheduler spent a quarter more CPU per
 * booking (threads spinning for work, goroutines handed between them); SQLite's calls run on
 * threads of their own either way. It also makes FerretDB's updates, a read and a separate write
 * of the document, seldom interleave (scripts/load/ferretdb_cas_probe.ts), closer to MongoDB's
 * atomic single-document updates, which the records rely on; it guarantees nothing.
 *
 * The binary comes from `FERRETDB_BIN`, else `$(go env GOPATH)/bin/ferretdb`, else
 * `/root/go/bin/ferretdb`. It must be a build with `build/version/version.txt` (a plain
 * `go install ...@v1.24.2` panics at start-up with "Invalid build/version/version.txt").
 */
import { type Db, MongoClient } from "mongodb";
import type { MongoRecordStoresOptions } from "../../src/stores/mongo/record_stores.ts";
import { freePort } from "./ports.ts";

export interface TestMongo {
  uri: string;
  /** True when this harness runs its own FerretDB (so it can stop and restart it). */
  embedded: boolean;
  /** A new, unique database name on this server; `stop()` cleans it up. */
  database(): string;
  /** Stops the server (SIGTERM) but keeps its port and data; `restart()` brings it back. */
  halt(): Promise<void>;
  /** Kills the server with SIGKILL (a real crash: no shutdown), keeping port and data; returns
   * how it ended. `restart()` brings it back. */
  crash(): Promise<Deno.CommandStatus | null>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /**
   * Commands this server has answered since it (re)started, by command name, from FerretDB's own
   * metrics (`ferretdb_client_requests_total`): only when started with `{ countCommands: true }`,
   * else null. Counts every client's commands, so a load run can say what a booking costs the
   * database without tracing inside the app.
   */
  commandCounts(): Promise<Map<string, number> | null>;
  /** The running FerretDB's process id (null for an outside server or while halted). */
  pid(): number | null;
}

/**
 * The Go runtime settings of the FerretDB this harness runs (see the header), each unless the
 * environment sets it: the collector's target, and one processor for Go code.
 */
export const FERRETDB_GO_ENV = { GOGC: "400", GOMAXPROCS: "1" } as const;

function goEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(FERRETDB_GO_ENV)) {
    env[name] = Deno.env.get(name) ?? value;
  }
  return env;
}

const START_TIMEOUT_MS = 15_000;

/** Record-store options for `dbName` on `server` (auto-migrating, 5 s timeout), with `over` on top. */
export function storeOptions(
  server: TestMongo,
  dbName: string,
  over: Partial<MongoRecordStoresOptions> = {},
): MongoRecordStoresOptions {
  return {
    uri: server.uri,
    dbName,
    maxPoolSize: 10,
    timeoutMs: 5_000,
    retryWrites: true,
    autoMigrate: true,
    ...over,
  };
}

/**
 * The app's configuration for records in `dbName` on `server` (auto-migrating), as a server, an
 * operator task or an in-process app reads it from the environment.
 */
export function appEnv(server: TestMongo, dbName = server.database()): Record<string, string> {
  return { MONGODB_URI: server.uri, MONGODB_DB: dbName, MONGODB_AUTO_MIGRATE: "true" };
}

/** Runs `fn` on database `dbName` through a client of its own (the raw documents, no store). */
export async function withRawDb<T>(
  server: TestMongo,
  dbName: string,
  fn: (db: Db) => Promise<T>,
): Promise<T> {
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    return await fn(client.db(dbName));
  } finally {
    await client.close();
  }
}

export async function startFerretDb(
  options: { countCommands?: boolean } = {},
): Promise<TestMongo> {
  const outside = Deno.env.get("MONGODB_URI");
  const prefix = `vaidya_test_${crypto.randomUUID().slice(0, 8)}`;
  let counter = 0;
  const handedOut: string[] = [];
  const database = () => {
    const name = `${prefix}_${++counter}`;
    handedOut.push(name);
    return name;
  };
  if (outside) return outsideServer(outside, database, handedOut);

  const bin = await findBinary();
  const dir = await Deno.makeTempDir({ prefix: "vaidya-ferretdb-" });
  // Ports are picked free, then bound by FerretDB: another process can take one in between, so a
  // first start that exits at once is tried again on fresh ports (a restart keeps them).
  let uri = "";
  let debugAddr: string | null = null;
  let args: string[] = [];
  function pickPorts() {
    const port = freePort();
    uri = `mongodb://127.0.0.1:${port}/`;
    debugAddr = options.countCommands ? `127.0.0.1:${freePort()}` : null;
    args = [
      "--handler=sqlite",
      `--sqlite-url=file:${dir}/?_pragma=synchronous(normal)`,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${dir}`,
      `--debug-addr=${debugAddr ?? "-"}`,
      "--telemetry=disable",
      "--log-level=error",
    ];
  }
  let child: Deno.ChildProcess | null = null;

  async function launch() {
    child = new Deno.Command(bin, {
      args,
      env: goEnv(),
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      await waitForPing(uri, child);
    } catch (err) {
      await kill();
      throw err;
    }
  }

  async function kill(signal: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus | null> {
    const running = child;
    child = null;
    if (!running) return null;
    try {
      running.kill(signal);
    } catch {
      // Already exited.
    }
    return await running.status;
  }

  try {
    for (let attempt = 1;; attempt++) {
      pickPorts();
      try {
        await launch();
        break;
      } catch (err) {
        if (attempt === 3 || !(err instanceof ExitedAtStart)) throw err;
      }
    }
  } catch (err) {
    await Deno.remove(dir, { recursive: true });
    throw err;
  }
  return {
    uri,
    embedded: true,
    database,
    halt: async () => void await kill(),
    crash: () => kill("SIGKILL"),
    async stop() {
      await kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
    async restart() {
      await kill();
      await launch();
    },
    commandCounts: () => debugAddr ? readCommandCounts(debugAddr) : Promise.resolve(null),
    pid: () => (child as Deno.ChildProcess | null)?.pid ?? null,
  };
}

/** FerretDB's request counter by command (`/debug/metrics`, Prometheus text), summed over opcodes. */
async function readCommandCounts(debugAddr: string): Promise<Map<string, number>> {
  const res = await fetch(`http://${debugAddr}/debug/metrics`);
  if (!res.ok) throw new Error(`Cannot read FerretDB metrics: ${res.status} from ${debugAddr}`);
  const counts = new Map<string, number>();
  for (const line of (await res.text()).split("\n")) {
    const m = /^ferretdb_client_requests_total\{command="([^"]+)"[^}]*\} (\d+)$/.exec(line);
    if (m) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + Number(m[2]));
  }
  return counts;
}

function outsideServer(uri: string, database: () => string, handedOut: string[]): TestMongo {
  return {
    uri,
    embedded: false,
    database,
    halt() {
      return Promise.reject(new Error("Cannot halt an outside MongoDB server (MONGODB_URI)"));
    },
    crash() {
      return Promise.reject(new Error("Cannot crash an outside MongoDB server (MONGODB_URI)"));
    },
    async stop() {
      const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
      try {
        for (const name of handedOut) await client.db(name).dropDatabase();
      } finally {
        await client.close();
      }
    },
    restart() {
      return Promise.reject(new Error("Cannot restart an outside MongoDB server (MONGODB_URI)"));
    },
    commandCounts: () => Promise.resolve(null),
    pid: () => null,
  };
}

async function findBinary(): Promise<string> {
  const fromEnv = Deno.env.get("FERRETDB_BIN");
  if (fromEnv) return fromEnv;
  try {
    const out = await new Deno.Command("go", { args: ["env", "GOPATH"], stderr: "null" }).output();
    const gopath = new TextDecoder().decode(out.stdout).trim();
    if (out.success && gopath) {
      const candidate = `${gopath.split(":")[0]}/bin/ferretdb`;
      if (await exists(candidate)) return candidate;
    }
  } catch {
    // No Go toolchain on PATH: fall through to the usual location.
  }
  return "/root/go/bin/ferretdb";
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

class ExitedAtStart extends Error {
  constructor() {
    super("Cannot start FerretDB for tests: the process exited at start-up");
  }
}

async function waitForPing(uri: string, child: Deno.ChildProcess): Promise<void> {
  let exited = false;
  child.status.then(() => exited = true);
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    if (exited) throw new ExitedAtStart();
    const client = new MongoClient(uri, {
      serverSelectionTimeoutMS: 500,
      connectTimeoutMS: 500,
      directConnection: true,
    });
    try {
      await client.db("admin").command({ ping: 1 });
      return;
    } catch (err) {
      lastError = err;
    } finally {
      await client.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Cannot start FerretDB for tests: no ping answer on ${uri} within 15 s`, {
    cause: lastError,
  });
}
