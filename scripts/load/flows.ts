/**
 * The user journeys the load generator drives over the public HTTP API: logging in through the
 * OTP flow with the code from the dev outbox, and seeding doctors as admin (registration plus
 * 09:00–17:00 hours every day). Every call goes through `LoadClient`'s typed client, so it is
 * checked against the OpenAPI document, timed and counted.
 */
import { type LoadClient, pool, retryTransient } from "./client.ts";

export interface Session {
  accessToken: string;
  user: { id: string; role: string };
  phone: string;
}

export interface SeededDoctor {
  id: string;
  timezone: string;
}

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/** A unique Indian mobile number per (run, n): the run salt keeps runs on one store apart. */
export function phoneFor(prefix: string, salt: number, n: number): string {
  return `+91${prefix}${String((salt * 1_000_003 + n) % 100_000_000).padStart(8, "0")}`;
}

/** The newest code sent to `phone`, or null if the outbox has none. */
export async function latestCode(client: LoadClient, phone: string): Promise<string | null> {
  const res = await client.call(
    "GET /v1/dev/outbox",
    undefined,
    (api, init) => api.GET("/v1/dev/outbox", { params: { query: { to: phone } }, ...init }),
  );
  return res.body?.messages?.[0]?.code ?? null;
}

/** Logs in through POST /v1/auth/otp, the dev outbox and POST /v1/auth/verify; null on failure. */
export async function login(client: LoadClient, phone: string): Promise<Session | null> {
  const otp = await client.call(
    "POST /v1/auth/otp",
    undefined,
    (api, init) => api.POST("/v1/auth/otp", { body: { phone }, ...init }),
  );
  if (otp.status !== 202) return null;
  const code = await latestCode(client, phone);
  if (!code) return null;
  const res = await client.call(
    "POST /v1/auth/verify",
    undefined,
    (api, init) => api.POST("/v1/auth/verify", { body: { phone, code }, ...init }),
  );
  if (res.status !== 200 || !res.body) return null;
  const { accessToken, user } = res.body;
  return { accessToken, user: { id: user.id, role: user.role }, phone };
}

/** Logs in, retrying through connection errors (a restarting server) a bounded number of times. */
export async function loginWithRetry(
  client: LoadClient,
  phone: string,
  attempts = 20,
): Promise<Session | null> {
  for (let i = 0; i < attempts; i++) {
    const session = await login(client, phone);
    if (session) return session;
    await new Promise((r) => setTimeout(r, 100 + i * 50));
  }
  return null;
}

/** Registers `count` doctors with daily 09:00–17:00 hours in 30-minute slots, as admin. */
export async function seedDoctors(
  client: LoadClient,
  admin: Session,
  count: number,
  salt: number,
  concurrency: number,
  onProgress?: (done: number) => void,
): Promise<SeededDoctor[]> {
  const doctors: SeededDoctor[] = [];
  const cities = ["Pune", "Kochi", "Jaipur", "Varanasi", "Mysuru"];
  await pool(count, concurrency, async (i) => {
    const created = await client.call(
      "POST /v1/admin/doctors",
      admin.accessToken,
      (api, init) =>
        api.POST("/v1/admin/doctors", {
          body: {
            name: `Dr. Load ${salt}-${i}`,
            phone: phoneFor("72", salt, i),
            specializations: ["Kayachikitsa", "Panchakarma"],
            languages: ["en", "hi"],
            city: cities[i % cities.length],
            timezone: "Asia/Kolkata",
            slotMinutes: 30,
            fee: 500,
          },
          ...init,
        }),
    );
    if (created.status !== 201 || !created.body) {
      throw new Error(`Cannot seed doctor ${i}: ${created.status} ${JSON.stringify(created.body)}`);
    }
    const id = created.body.id;
    // Hours are a PUT: safe to send again after a transient failure (a store timing out).
    const avail = await retryTransient(() =>
      client.call(
        "PUT /v1/doctors/:id/availability",
        admin.accessToken,
        (api, init) =>
          api.PUT("/v1/doctors/{id}/availability", {
            params: { path: { id } },
            body: {
              weekly: WEEKDAYS.map((day) => ({ day, start: "09:00", end: "17:00" })),
              overrides: [],
              minNoticeMinutes: 0,
              horizonDays: 60,
            },
            ...init,
          }),
      ), { retries: 5, delayMs: (i) => 200 * (i + 1) });
    if (avail.status !== 200) {
      throw new Error(`Cannot set hours of doctor ${id}: ${avail.status} ${avail.code}`);
    }
    doctors.push({ id: created.body.id, timezone: created.body.timezone });
    onProgress?.(doctors.length);
  });
  return doctors;
}

/** Doctors already in the store (GET /v1/doctors, paged), at most `max`. */
export async function existingDoctors(client: LoadClient, max: number): Promise<SeededDoctor[]> {
  const out: SeededDoctor[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < Math.ceil(max / 100) + 1 && out.length < max; page++) {
    const after = cursor;
    const res = await client.call(
      "GET /v1/doctors",
      undefined,
      (api, init) =>
        api.GET("/v1/doctors", { params: { query: { limit: 100, cursor: after } }, ...init }),
    );
    out.push(...(res.body?.items ?? []).map((d) => ({ id: d.id, timezone: d.timezone })));
    cursor = res.body?.nextCursor ?? undefined;
    if (!cursor) break;
  }
  return out.slice(0, max);
}

/** One formatter per time zone: building an Intl.DateTimeFormat costs ~0.1 ms of CPU. */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The local calendar date `days` from now in `timeZone` (YYYY-MM-DD). */
export function dateInDays(days: number, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", { timeZone });
    dayFormats.set(timeZone, format);
  }
  return format.format(Date.now() + days * 86_400_000);
}

/** GET /v1/doctors/:id/slots for the doctor's calendar days `from`..`to`. */
export function listSlots(client: LoadClient, doctorId: string, from: string, to: string) {
  return client.call(
    "GET /v1/doctors/:id/slots",
    undefined,
    (api, init) =>
      api.GET("/v1/doctors/{id}/slots", {
        params: { path: { id: doctorId }, query: { from, to } },
        ...init,
      }),
  );
}

/** POST /v1/holds as `session`, with `idempotencyKey` when given (a retry sends the same one). */
export function placeHold(
  client: LoadClient,
  session: Session,
  doctorId: string,
  start: string,
  idempotencyKey?: string,
) {
  return client.call(
    "POST /v1/holds",
    session.accessToken,
    (api, init) =>
      api.POST("/v1/holds", {
        body: { doctorId, start },
        params: idempotencyKey ? { header: { "Idempotency-Key": idempotencyKey } } : {},
        ...init,
      }),
  );
}

/** POST /v1/holds/:id/confirm as `session` with the code from the dev outbox. */
export function confirmHold(client: LoadClient, session: Session, holdId: string, code: string) {
  return client.call(
    "POST /v1/holds/:id/confirm",
    session.accessToken,
    (api, init) =>
      api.POST("/v1/holds/{id}/confirm", {
        params: { path: { id: holdId } },
        body: { code },
        ...init,
      }),
  );
}
