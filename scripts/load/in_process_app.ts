/**
 * The app built in this process for the in-process measurements (`count_kv_ops.ts`,
 * `step_cpu.ts`): test configuration with rate limits off, the event relay stopped so a caller
 * runs its passes when it chooses, requests through `app.request`, and the doctor both seed.
 */
import { createApp } from "../../src/app.ts";
import { bootstrap } from "../../src/bootstrap.ts";
import { loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { dateInDays } from "./flows.ts";
import { appEnv, startFerretDb, type TestMongo } from "../../tests/_harness/ferretdb.ts";

export const IN_PROCESS_ADMIN = "+919900000001";

/** `env` adds to (or overrides) the test configuration, e.g. `KV_CELL_MARKS`. */
export async function inProcessApp(kvPath: string, env: Record<string, string> = {}) {
  const config = loadConfig({
    APP_ENV: "test",
    KV_PATH: kvPath,
    RATE_LIMIT_DISABLED: "true",
    ADMIN_PHONES: IN_PROCESS_ADMIN,
    ...env,
  });
  const runtime = await bootstrap(config, createLogger({ level: "error" }));
  const relay = runtime.deps.events?.relay;
  await relay?.stop();
  const app = createApp(runtime.deps);

  /** One JSON request; a status of 300 or more throws, named by `label`. */
  async function call<T>(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    extra: Record<string, string> = {},
    label = `${method} ${path}`,
  ): Promise<T> {
    const headers: Record<string, string> = { "content-type": "application/json", ...extra };
    if (token) headers.authorization = `Bearer ${token}`;
    const text = body === undefined ? undefined : JSON.stringify(body);
    // As an HTTP client sends it: without a length, the body limit reads the whole body into a
    // new Request (~30 µs per POST that no request over HTTP pays).
    if (text !== undefined) {
      headers["content-length"] = String(new TextEncoder().encode(text).length);
    }
    const res = await app.request(path, { method, headers, body: text });
    const json = await res.json() as T;
    if (res.status >= 300) throw new Error(`${label}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  return { runtime, relay, app, call };
}

export interface InProcessStore {
  /** The KV: in memory, or a file in a temp dir (each commit waits for the disk, as a server's). */
  kv: "memory" | "file";
  /**
   * Records on a throw-away FerretDB (`FERRETDB_BIN` picks the build; `countCommands` as
   * `startFerretDb` takes it); the KV stays as asked.
   */
  mongo?: boolean | { countCommands: boolean };
  /** Settings on top of the store's; given as a function, it sees the FerretDB started. */
  env?: Record<string, string> | ((mongo: TestMongo | null) => Record<string, string>);
}

/**
 * `inProcessApp` on the store asked for, with `close()` giving back all it took. FerretDB starts
 * before the temp dir is made, so one that does not start leaves nothing behind, and an app that
 * does not start gives both back.
 */
export async function inProcessAppOn({ kv, mongo = false, env = {} }: InProcessStore) {
  const ferret = mongo ? await startFerretDb(mongo === true ? {} : mongo) : null;
  const dir = kv === "file" ? await Deno.makeTempDir({ prefix: "vaidya-in-process-" }) : null;
  const release = async () => {
    await ferret?.stop();
    if (dir) await Deno.remove(dir, { recursive: true });
  };
  const app = await inProcessApp(dir ? `${dir}/app.kv` : ":memory:", {
    ...(ferret ? appEnv(ferret) : {}),
    ...(typeof env === "function" ? env(ferret) : env),
  }).catch(async (err) => {
    await release();
    throw err;
  });
  return {
    ...app,
    mongo: ferret,
    async close() {
      await app.runtime.close();
      await release();
    },
  };
}

/** Doctor `n` of a measurement named `label` (`Dr. <label> <n>`), 30-minute slots in Pune. */
export function doctorBody(label: string, n: number) {
  return {
    name: `Dr. ${label} ${n}`,
    phone: `+9172000${String(n).padStart(5, "0")}`,
    specializations: ["Kayachikitsa"],
    languages: ["en"],
    city: "Pune",
    timezone: "Asia/Kolkata",
    slotMinutes: 30,
  };
}

/** 09:00–17:00 every day, bookable without notice. */
export const EVERY_DAY_NINE_TO_FIVE = {
  weekly: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((day) => ({
    day,
    start: "09:00",
    end: "17:00",
  })),
  overrides: [],
  minNoticeMinutes: 0,
};

/** One request of a counted measurement, named as its row. */
export type Step = <T>(
  name: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
  extra?: Record<string, string>,
) => Promise<T>;

/** Requests through `call`, each run inside `count` under its name (which records its cost). */
export function countedSteps(
  call: Awaited<ReturnType<typeof inProcessApp>>["call"],
  count: <T>(name: string, fn: () => Promise<T>) => Promise<T>,
): Step {
  return (name, method, path, body, token, extra = {}) =>
    count(name, () => call(method, path, body, token, extra, name));
}

/** A phone's login as the clients make it: a code, read from the dev outbox, then verified. */
export async function loginSteps(step: Step, phone: string): Promise<{ accessToken: string }> {
  await step("POST /v1/auth/otp", "POST", "/v1/auth/otp", { phone });
  const box = await step<{ messages: { code: string }[] }>(
    "GET /v1/dev/outbox (login)",
    "GET",
    `/v1/dev/outbox?to=${encodeURIComponent(phone)}`,
  );
  return await step<{ accessToken: string }>("POST /v1/auth/verify", "POST", "/v1/auth/verify", {
    phone,
    code: box.messages[0].code,
  });
}

/** Doctor `n` created by the admin, open every day nine to five. */
export async function doctorSteps(
  step: Step,
  adminToken: string,
  label: string,
  n: number,
): Promise<{ id: string }> {
  const doctor = await step<{ id: string }>(
    "POST /v1/admin/doctors",
    "POST",
    "/v1/admin/doctors",
    doctorBody(label, n),
    adminToken,
  );
  await step(
    "PUT /v1/doctors/:id/availability",
    "PUT",
    `/v1/doctors/${doctor.id}/availability`,
    EVERY_DAY_NINE_TO_FIVE,
    adminToken,
  );
  return doctor;
}

/** The day after tomorrow in Pune (YYYY-MM-DD), inside every doctor's booking horizon. */
export function bookingDay(): string {
  return dateInDays(2, "Asia/Kolkata");
}

/** A hold on `start` (with an idempotency key), its code read from the dev outbox, confirmed. */
export async function holdAndConfirmSteps(
  step: Step,
  booking: { doctorId: string; start: string; phone: string; accessToken: string },
): Promise<void> {
  const { doctorId, start, phone, accessToken } = booking;
  const hold = await step<{ id: string }>(
    "POST /v1/holds",
    "POST",
    "/v1/holds",
    { doctorId, start },
    accessToken,
    { "idempotency-key": crypto.randomUUID() },
  );
  const box = await step<{ messages: { code: string }[] }>(
    "GET /v1/dev/outbox (hold)",
    "GET",
    `/v1/dev/outbox?to=${encodeURIComponent(phone)}`,
  );
  await step("POST /v1/holds/:id/confirm", "POST", `/v1/holds/${hold.id}/confirm`, {
    code: box.messages[0].code,
  }, accessToken);
}
