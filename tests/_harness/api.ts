/**
 * A small HTTP client for tests: JSON requests against a running server (or, with `fetcher`, an
 * in-process app), login through the real OTP flow (code read from the dev outbox), and fixtures
 * built through the public API.
 */
import assert from "node:assert/strict";
import { ADMIN_PHONE } from "./server.ts";

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  user: { id: string; role: string };
  phone: string;
}

export class Api {
  readonly #sessions = new Map<string, Session>();
  /**
   * `fetcher` answers the requests instead of the network, e.g. an in-process `app.fetch`;
   * `codes` reads a phone's latest one-time code where the server does not keep a dev outbox
   * (sending through a fake Twilio: tests/_harness/twilio.ts).
   */
  constructor(
    readonly baseUrl: string,
    readonly fetcher: (request: Request) => Response | Promise<Response> = fetch,
    readonly codes?: (phone: string) => Promise<string>,
  ) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { body?: unknown; token?: string; headers?: Record<string, string>; raw?: string } =
      {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      headers["content-type"] ??= "application/json";
      body = JSON.stringify(options.body);
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const res = await this.fetcher(new Request(this.baseUrl + path, { method, headers, body }));
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  async latestCode(phone: string): Promise<string> {
    if (this.codes) return await this.codes(phone);
    const res = await this.request<{ messages: { code: string }[] }>(
      "GET",
      `/v1/dev/outbox?to=${encodeURIComponent(phone)}`,
    );
    assert.equal(res.status, 200);
    // Event messages (confirmations, reminders) carry no code and may land after a code message.
    const withCode = res.body.messages.find((m) => m.code);
    assert.ok(withCode, `no code message to ${phone} in the outbox`);
    return withCode.code;
  }

  /** Logs in through the OTP flow once per phone; later calls reuse the session. */
  async login(phone: string, fresh = false): Promise<Session> {
    const known = this.#sessions.get(phone);
    if (known && !fresh) return known;
    const otp = await this.request("POST", "/v1/auth/otp", { body: { phone } });
    assert.equal(otp.status, 202, JSON.stringify(otp.body));
    const code = await this.latestCode(phone);
    const res = await this.request<Session>("POST", "/v1/auth/verify", { body: { phone, code } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const session = { ...res.body, phone };
    this.#sessions.set(phone, session);
    return session;
  }

  loginAdmin(): Promise<Session> {
    return this.login(ADMIN_PHONE);
  }
}

/** A fresh valid Indian mobile number (random, so tests never share a phone). */
export function randomPhone(): string {
  const digits = crypto.getRandomValues(new Uint32Array(1))[0] % 100_000_000;
  return `+9170${String(digits).padStart(8, "0")}`;
}

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/** Registers a doctor (as admin), gives them hours every day, and returns the doctor. */
export async function createDoctor(
  api: Api,
  admin: Session,
  overrides: Record<string, unknown> = {},
  hours = { start: "09:00", end: "17:00" },
  /** More availability settings (`maxPerDay`, …) beside the weekly hours. */
  schedule: Record<string, unknown> = {},
): Promise<{ id: string; phone: string; timezone: string }> {
  const phone = randomPhone();
  const res = await api.request<{ id: string; timezone: string }>("POST", "/v1/admin/doctors", {
    token: admin.accessToken,
    body: {
      name: "Dr. Asha Kulkarni",
      phone,
      specializations: ["Kayachikitsa", "Panchakarma"],
      languages: ["en", "hi", "mr"],
      city: "Pune",
      timezone: "Asia/Kolkata",
      slotMinutes: 30,
      fee: 500,
      ...overrides,
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const avail = await api.request("PUT", `/v1/doctors/${res.body.id}/availability`, {
    token: admin.accessToken,
    body: {
      weekly: WEEKDAYS.map((day) => ({ day, ...hours })),
      overrides: [],
      minNoticeMinutes: 0,
      horizonDays: 60,
      ...schedule,
    },
  });
  assert.equal(avail.status, 200, JSON.stringify(avail.body));
  return { id: res.body.id, phone, timezone: res.body.timezone };
}

/** The doctor's local date `days` from now (YYYY-MM-DD). */
export function dateInDays(days: number, timeZone = "Asia/Kolkata"): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone }).format(Date.now() + days * 86_400_000);
}

export async function firstSlots(api: Api, doctorId: string, day = dateInDays(2)) {
  const res = await api.request<{ slots: { start: string; end: string }[] }>(
    "GET",
    `/v1/doctors/${doctorId}/slots?from=${day}&to=${day}`,
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.slots;
}

/**
 * `n` patients logged in, 20 at a time, spread over `apis` in turn (one server or several): each
 * with the `Api` it logged in through.
 */
export async function loginMany(
  apis: Api[],
  n: number,
): Promise<{ api: Api; session: Session }[]> {
  const out: { api: Api; session: Session }[] = [];
  for (let i = 0; i < n; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, n - i) }, async (_, j) => {
        const api = apis[(i + j) % apis.length];
        return { api, session: await api.login(randomPhone()) };
      }),
    );
    out.push(...batch);
  }
  return out;
}

/** Answers of a race counted by kind: "201", or the status and the problem's `code` ("409 slot_unavailable"). */
export function tallyAnswers(
  results: { status: number; body: Record<string, unknown> | null }[],
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const key = r.status === 201 ? "201" : `${r.status} ${r.body?.code ?? ""}`.trim();
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
