/**
 * The real app, built in-process through the real start-up (`bootstrap`, which hands the
 * resources to the one composition root, `wireApp`) on the KV at KV_PATH (`:memory:` unless the
 * test names another, e.g. a denokv URL) with the test's clock, with an `Api`
 * client that calls `app.fetch` instead of the network. For tests that need no separate process
 * (no crash, shutdown, browser or second instance); the test can read the raw store through
 * `runtime.kv`. Dispose it to close the stores.
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
  const app = createApp(runtime.deps, { clientIp: () => "127.0.0.1" });
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
