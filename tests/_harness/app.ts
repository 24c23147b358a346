/**
 * The real app, built in-process through the real start-up (`bootstrap`, which hands the
 * resources to the one composition root, `wireApp`) on the KV at KV_PATH (`:memory:` unless the
 * test names another, e.g. a denokv URL) with the test's clock, with an `Api`
 * client that calls `app.fetch` instead of the network. For tests that need no separate process
 * (no crash, shutdown, browser or second instance); the test can read the raw store through
 * `runtime.kv`. Dispose it to close the stores. `startTwinApps`: two such apps on one KV file, as
 * two instances.
 */
import { createApp } from "../../src/app.ts";
import { bootstrap, type Runtime } from "../../src/bootstrap.ts";
import { loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { Api, createDoctor, dateInDays, firstSlots, randomPhone } from "./api.ts";
import { ADMIN_PHONE } from "./server.ts";

export interface InProcessApp {
  api: Api;
  runtime: Runtime;
  /** The app's own `fetch`, for requests the `Api` client cannot express. */
  fetch(request: Request): Response | Promise<Response>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startApp(
  env: Record<string, string> = {},
  /** A clock the test moves by hand (expiry without sleeping); default the wall clock. */
  now?: () => number,
  /** The socket peer of every request (what Deno.serve would report). */
  peer = "127.0.0.1",
): Promise<InProcessApp> {
  const config = loadConfig({
    APP_ENV: "test",
    KV_PATH: ":memory:",
    ADMIN_PHONES: ADMIN_PHONE,
    LOG_LEVEL: "error",
    ...env,
  });
  const runtime = await bootstrap(config, createLogger({ level: "error", write: () => {} }), {
    now,
  });
  const app = createApp(runtime.deps, { clientIp: () => peer });
  const fetch = (request: Request) => app.fetch(request);
  return {
    api: new Api("http://vaidya.test", fetch),
    runtime,
    fetch,
    [Symbol.asyncDispose]: () => runtime.close(),
  };
}

/** The usual cast of an HTTP test: an admin, a doctor open every day, a patient, and free slots. */
export async function startAppWithDoctor(
  env: Record<string, string> = {},
  now?: () => number,
) {
  const app = await startApp(env, now);
  const { api } = app;
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin);
  const patient = await api.login(randomPhone());
  const day = dateInDays(2);
  const slots = await firstSlots(api, doctor.id, day);
  return {
    ...app,
    admin,
    doctor,
    patient,
    token: patient.accessToken,
    day,
    slots,
  };
}

/**
 * Two apps on one KV file, each with KV handles of its own, as two instances of one deployment
 * (sharing the test's clock): what one process never does to itself — a write landing between
 * another write's read and commit on one doctor's calendar, where a process's own writes take
 * turns (src/stores/kv/calendar.ts) — another instance does. The first app starts alone, so it
 * creates the generated dev secrets the second then finds.
 */
export async function startTwinApps(
  env: Record<string, string> = {},
  now?: () => number,
) {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-twins-" });
  const shared = { ...env, KV_PATH: `${dir}/vaidya.kv` };
  const first = await startApp(shared, now);
  const second = await startApp(shared, now).catch(async (err) => {
    await first[Symbol.asyncDispose]();
    throw err;
  });
  return {
    first,
    second,
    async [Symbol.asyncDispose]() {
      await second[Symbol.asyncDispose]();
      await first[Symbol.asyncDispose]();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * Runs `hook` around every `getMany` of every Deno KV handle of this process (the apps wrap their
 * handles, e.g. a file's reading handle, so the hook sits on `Deno.Kv` itself): it gets the keys
 * and the read, and answers the entries. Returns the function that takes the hook away.
 */
export function aroundGetMany(
  hook: (
    keys: Deno.KvKey[],
    read: () => Promise<readonly Deno.KvEntryMaybe<unknown>[]>,
  ) => Promise<readonly Deno.KvEntryMaybe<unknown>[]>,
): () => void {
  const proto = Deno.Kv.prototype;
  const original = proto.getMany;
  proto.getMany = function (
    this: Deno.Kv,
    keys: Deno.KvKey[],
    options?: { consistency?: Deno.KvConsistencyLevel },
  ) {
    return hook(keys, () => original.call(this, keys, options));
  } as typeof original;
  return () => {
    proto.getMany = original;
  };
}
