/**
 * Domain errors. Each carries the HTTP status and the stable machine `code` of the public contract;
 * `app.onError` turns them into RFC 9457 problem responses in exactly one place. Programmer mistakes
 * use the built-in error classes instead and surface as a 500 without details.
 */

export interface FieldError {
  path: string;
  message: string;
}

export class AppError extends Error {
  // Each error class names itself, as logs show `name` (errorFields): the bundle (scripts/build.ts)
  // renames a class whose name another module of its chunk uses, as it did libphonenumber's.
  override name = "AppError";
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly errors?: FieldError[];
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    title: string,
    detail: string,
    options: { errors?: FieldError[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail, { cause: options.cause });
    this.status = status;
    this.code = code;
    this.title = title;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

export class ValidationError extends AppError {
  override name = "ValidationError";
  constructor(detail: string, errors?: FieldError[]) {
    super(400, "validation_failed", "Validation failed", detail, { errors });
  }
}

export class NotFoundError extends AppError {
  override name = "NotFoundError";
  constructor(detail: string) {
    super(404, "not_found", "Not found", detail);
  }
}

export class UnauthenticatedError extends AppError {
  override name = "UnauthenticatedError";
  constructor(detail = "A valid bearer token is required") {
    super(401, "unauthenticated", "Unauthenticated", detail, {
      headers: { "WWW-Authenticate": 'Bearer realm="vaidya"' },
    });
  }
}

export class ForbiddenError extends AppError {
  override name = "ForbiddenError";
  constructor(detail = "Your role may not do this") {
    super(403, "forbidden", "Forbidden", detail);
  }
}

/** 409 with a specific code, e.g. `slot_unavailable`, `hold_limit_reached`. */
export class ConflictError extends AppError {
  override name = "ConflictError";
  constructor(code: string, detail: string) {
    super(409, code, "Conflict", detail);
  }
}

export class SlotUnavailableError extends ConflictError {
  override name = "SlotUnavailableError";
  constructor(detail = "That slot is no longer available") {
    super("slot_unavailable", detail);
  }
}

/**
 * 409 `doctor_inactive`: an admin deactivated the doctor, so nothing new can be booked with them
 * (listing their slots, a hold, its confirm, a move onto them, a course).
 */
export class DoctorInactiveError extends ConflictError {
  override name = "DoctorInactiveError";
  constructor(doctorId: string) {
    super("doctor_inactive", `Doctor ${doctorId} is not taking bookings (deactivated)`);
  }
}

export class HoldExpiredError extends AppError {
  override name = "HoldExpiredError";
  constructor(detail = "The hold has expired; hold the slot again") {
    super(410, "hold_expired", "Hold expired", detail);
  }
}

export class InvalidCodeError extends AppError {
  override name = "InvalidCodeError";
  constructor(detail = "The code is wrong or has expired") {
    super(422, "invalid_code", "Invalid code", detail);
  }
}

/** A hold's code was checked `OTP_MAX_ATTEMPTS` times: no more answers about codes for it. */
export class HoldCodesSpentError extends InvalidCodeError {
  override name = "HoldCodesSpentError";
  constructor() {
    super("Too many wrong codes for this hold; release it and hold again");
  }
}

/**
 * 412 `precondition_failed`: the request's `If-Match` names a version of the appointment other than
 * the stored one (it changed since the caller read it); nothing was changed.
 */
export class PreconditionFailedError extends AppError {
  override name = "PreconditionFailedError";
  constructor(detail: string) {
    super(412, "precondition_failed", "Precondition failed", detail);
  }
}

/** A rule of the booking policy refused the request (cut-off, notice, horizon, ...). */
export class PolicyError extends AppError {
  override name = "PolicyError";
  constructor(code: string, detail: string) {
    super(422, code, "Not allowed by booking policy", detail);
  }
}

export class IdempotencyConflictError extends AppError {
  override name = "IdempotencyConflictError";
  constructor(detail = "This Idempotency-Key was used with a different request") {
    super(422, "idempotency_conflict", "Idempotency key reused", detail);
  }
}

export class RateLimitedError extends AppError {
  override name = "RateLimitedError";
  readonly retryAfterSeconds: number;
  constructor(
    retryAfterSeconds: number,
    detail = "Too many requests; try again later",
    headers: Record<string, string> = {},
  ) {
    const retry = Math.max(1, Math.ceil(retryAfterSeconds));
    super(429, "rate_limited", "Too many requests", detail, {
      headers: { ...headers, "Retry-After": String(retry) },
    });
    this.retryAfterSeconds = retry;
  }
}

/**
 * 422: the provider refused the recipient for good (Twilio 21610 the person replied STOP, 21211
 * not a valid number, 21614 not a mobile); sending again cannot help, so callers do not retry it.
 * Names neither the phone nor the provider.
 */
export class PhoneUndeliverableError extends AppError {
  override name = "PhoneUndeliverableError";
  /** The provider's error code, e.g. 21610. */
  readonly providerCode: number;
  constructor(channel: string, providerCode: number) {
    super(
      422,
      "phone_undeliverable",
      "Phone number cannot receive messages",
      `Cannot send to this phone number on ${channel}: the provider refused it ` +
        `(error ${providerCode})`,
    );
    this.providerCode = providerCode;
  }
}

/** A dependency (store, SMS provider, cache) could not do its part; safe to retry later. */
export class ServiceUnavailableError extends AppError {
  override name = "ServiceUnavailableError";
  constructor(detail: string, options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(503, "service_unavailable", "Service unavailable", detail, {
      cause: options.cause,
      headers: { "Retry-After": String(options.retryAfterSeconds ?? 2) },
    });
  }
}
