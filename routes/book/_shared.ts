/**
 * What the /book routes share: rendering, the error pages, the logged-in patient, a doctor's
 * free times on the patient's calendar day, and holding a time (the one place the pages call
 * `holdSlot`, so a lost race always ends on the same friendly retry page).
 */
import type { Context } from "hono";
import type { AppDeps } from "../../src/app_deps.ts";
import { LocalDate } from "../../src/http/schemas.ts";
import type { AuthUser } from "../../src/auth/token_service.ts";
import { addDays, localDateOf } from "../../src/domain/zoned_time.ts";
import {
  AppError,
  ConflictError,
  NotFoundError,
  PolicyError,
  RateLimitedError,
  ServiceUnavailableError,
  ValidationError,
} from "../../src/errors.ts";
import { holdsPerPatientRule } from "../../src/http/rate_limit.ts";
import { bt } from "../../src/i18n/book_messages.ts";
import type { BookEnv } from "../../src/ui/book_env.ts";
import { HoldPage, type HoldPageProps } from "../../src/ui/views/book/booking_pages.tsx";
import { BookMessagePage } from "../../src/ui/views/book/layout.tsx";
import { SlotsPage, type SlotsPageProps } from "../../src/ui/views/book/slots_page.tsx";
import { renderPage } from "../../src/ui/views/layout.tsx";

export const DOCTOR_ID = /^doc_[0-9a-z]{26}$/;
const NEXT_FREE_COUNT = 6;
const NEXT_FREE_DAYS = 14;

export function page(c: Context<BookEnv>, node: unknown, status = 200) {
  return renderPage(c, node, status);
}

function messagePage(c: Context<BookEnv>, title: string, message: string, status: number) {
  const lang = c.get("lang") ?? "en";
  return page(
    c,
    BookMessagePage({
      lang,
      title,
      message,
      here: "/book",
      loggedIn: !!c.get("session"),
      csrfToken: c.get("csrfToken"),
      backHref: "/book",
      backLabel: bt(lang, "error.back"),
    }),
    status,
  );
}

export function bookNotFound(c: Context<BookEnv>) {
  const lang = c.get("lang") ?? "en";
  return messagePage(c, bt(lang, "error.notFoundTitle"), bt(lang, "error.notFound"), 404);
}

export function bookFailure(c: Context<BookEnv>, status = 500) {
  const lang = c.get("lang") ?? "en";
  return messagePage(c, bt(lang, "error.failedTitle"), bt(lang, "error.failed"), status);
}

/**
 * A failure the pages did not handle where it happened: a 429 says when to try again, another 4xx
 * keeps its status with the generic text; a store that did not answer is a 503 with Retry-After;
 * anything else is a 500 (and logged by the caller).
 */
export function bookErrorPage(c: Context<BookEnv>, err: unknown) {
  const lang = c.get("lang") ?? "en";
  if (err instanceof RateLimitedError) {
    c.header("Retry-After", String(err.retryAfterSeconds));
    const text = bt(lang, "error.rateLimited", { seconds: err.retryAfterSeconds });
    return messagePage(c, bt(lang, "error.failedTitle"), text, 429);
  }
  // A store that did not answer (a KV restart): 503 with its Retry-After, as the API answers.
  if (err instanceof ServiceUnavailableError) {
    c.header("Retry-After", err.headers["Retry-After"]);
    return bookFailure(c, 503);
  }
  const status = err instanceof AppError && err.status < 500 ? err.status : 500;
  return bookFailure(c, status);
}

export function bookCsrfRefusal(c: Context<BookEnv>) {
  const lang = c.get("lang");
  return messagePage(c, bt(lang, "error.csrfTitle"), bt(lang, "error.csrf"), 403);
}

export function patientOf(c: Context<BookEnv>): AuthUser | null {
  const session = c.get("session");
  return session ? { id: session.patientId, role: "patient" } : null;
}

/** The doctor's free times that start on `date` of the patient's calendar (in `timeZone`). */
export async function daySlots(deps: AppDeps, doctorId: string, date: string, timeZone: string) {
  // A patient's day overlaps at most three of the doctor's days, whatever the two zones.
  const { slots } = await deps.booking.listSlots(doctorId, addDays(date, -1), addDays(date, 1));
  return slots.filter((s) => localDateOf(Date.parse(s.start), timeZone) === date);
}

/** The next free times of a doctor from now, over the coming two weeks. */
export async function nextFreeSlots(deps: AppDeps, doctorId: string, doctorZone: string) {
  const today = localDateOf(deps.now(), doctorZone);
  const { slots } = await deps.booking.listSlots(
    doctorId,
    today,
    addDays(today, NEXT_FREE_DAYS - 1),
  );
  return slots.slice(0, NEXT_FREE_COUNT);
}

export function todayIn(deps: AppDeps, timeZone: string): string {
  return localDateOf(deps.now(), timeZone);
}

/**
 * Props of a doctor's slot page for one day; null when there is no such doctor, or the doctor was
 * deactivated (their booking pages are gone like an unknown doctor's).
 */
export async function slotsPageProps(
  c: Context<BookEnv>,
  deps: AppDeps,
  doctorId: string,
  date: string | undefined,
  more: Partial<SlotsPageProps> & Pick<SlotsPageProps, "action" | "basePath">,
): Promise<SlotsPageProps | null> {
  if (!DOCTOR_ID.test(doctorId)) return null;
  const timeZone = c.get("timeZone");
  let doctor;
  try {
    doctor = await deps.doctors.get(doctorId);
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
  if (!doctor.active) return null;
  const day = date && LocalDate.safeParse(date).success ? date : todayIn(deps, timeZone);
  let slots: { start: string }[] = [];
  try {
    slots = await daySlots(deps, doctor.id, day, timeZone);
  } catch (err) {
    // A day beyond the bookable range shows as a day without free times.
    if (!(err instanceof PolicyError) && !(err instanceof ValidationError)) throw err;
  }
  return {
    lang: c.get("lang"),
    csrfToken: c.get("csrfToken"),
    loggedIn: !!c.get("session"),
    timeZone,
    doctor,
    date: day,
    slots,
    ...more,
  };
}

/**
 * The API's per-patient hold budget, spent by the pages too (one budget whichever way the patient
 * books). Throws RateLimitedError, which the pages' error handler shows as a 429 page.
 */
export async function spendHoldBudget(deps: AppDeps, patientId: string) {
  if (deps.config.RATE_LIMIT_DISABLED) return;
  const result = await deps.apiLimiter.check(holdsPerPatientRule(deps.config), patientId);
  if (!result.allowed) throw new RateLimitedError((result.resetAtMs - deps.now()) / 1000);
}

/** The SMS-code step of a hold (again with `error` after a wrong code). */
export async function holdPage(
  c: Context<BookEnv>,
  deps: AppDeps,
  hold: HoldPageProps["hold"],
  error?: string,
) {
  const doctor = await deps.doctors.get(hold.doctorId);
  return page(
    c,
    HoldPage({
      lang: c.get("lang"),
      csrfToken: c.get("csrfToken"),
      timeZone: c.get("timeZone"),
      hold,
      doctorName: doctor.name,
      error,
    }),
    error ? 422 : 200,
  );
}

/**
 * Holds `start` for the patient and shows the SMS-code step. A time taken meanwhile (or no longer
 * offered) shows the doctor's page with a friendly notice and the next free times.
 */
export async function holdAndAskCode(
  c: Context<BookEnv>,
  deps: AppDeps,
  patient: AuthUser,
  doctorId: string,
  start: string,
) {
  await spendHoldBudget(deps, patient.id);
  try {
    const hold = await deps.booking.holdSlot(patient.id, doctorId, start);
    return await holdPage(c, deps, hold);
  } catch (err) {
    if (err instanceof ConflictError && err.code === "hold_limit_reached") {
      // Its own page: the generic "something went wrong" left the patient guessing.
      const lang = c.get("lang") ?? "en";
      return messagePage(c, bt(lang, "error.failedTitle"), bt(lang, "error.holdLimit"), 409);
    }
    const lost = err instanceof ConflictError && err.code === "slot_unavailable" ||
      err instanceof PolicyError;
    if (!lost) throw err;
    // Taken by this patient's own hold (they came back while the SMS was late): that hold's step.
    const own = err instanceof ConflictError &&
      await deps.booking.ownHoldAt(patient.id, doctorId, start);
    if (own) return await holdPage(c, deps, own);
    const date = localDateOf(Date.parse(start), c.get("timeZone"));
    const props = await slotsPageProps(c, deps, doctorId, date, {
      action: "/book/hold",
      basePath: `/book/doctors/${doctorId}`,
    });
    if (!props) return bookNotFound(c);
    const taken = await nextFreeSlots(deps, doctorId, props.doctor.timezone);
    return page(c, SlotsPage({ ...props, taken }), 409);
  }
}
