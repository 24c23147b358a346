/**
 * Authenticated FHIR reads and searches of personal records: Appointment (the caller's own, as
 * patient or as the appointment's doctor) and Patient (only the patient's own record). Ownership
 * is the booking and patient services' rule; anything else is 404, so ids cannot be probed.
 */
import type { AuthUser } from "../auth/token_service.ts";
import type { BookingService } from "../booking/booking_service.ts";
import type { AppointmentView } from "../booking/views.ts";
import type { DoctorService } from "../doctors/doctor_service.ts";
import { NotFoundError } from "../errors.ts";
import type { PatientService } from "../patients/patient_service.ts";
import type { AppointmentQuery } from "../stores/ports.ts";
import { searchsetBundle } from "./bundle.ts";
import { fromFhirId } from "./fhir_ids.ts";
import { appointmentResource, patientResource, STATUS_FROM_FHIR } from "./resources.ts";
import {
  cursorParam,
  parseCount,
  parseDateRange,
  tokenCode,
  utcDayStart,
} from "./search_params.ts";

export interface PatientRecordsDeps {
  booking: BookingService;
  doctors: DoctorService;
  patients: PatientService;
}

/** Above this many matches a search answers without `total` rather than counting them all. */
const MAX_COUNTED = 1000;

function notFound(err: unknown, message: string): never {
  throw err instanceof NotFoundError ? new NotFoundError(message) : err;
}

export function createFhirPatientRecords(deps: PatientRecordsDeps) {
  const { booking, doctors, patients } = deps;

  /** Doctor names for the Practitioner references of one response (names are public). */
  function doctorNames() {
    const names = new Map<string, Promise<string | undefined>>();
    return (id: string) => {
      if (!names.has(id)) names.set(id, doctors.get(id).then((d) => d.name, () => undefined));
      return names.get(id)!;
    };
  }

  async function toResources(items: AppointmentView[]) {
    const nameOf = doctorNames();
    return await Promise.all(
      items.map(async (a) => appointmentResource(a, await nameOf(a.doctorId))),
    );
  }

  async function countAppointments(user: AuthUser, query: AppointmentQuery) {
    let total = 0;
    let cursor: string | undefined;
    do {
      const page = await booking.listAppointments(user, query, 100, cursor);
      total += page.items.length;
      cursor = page.nextCursor ?? undefined;
      if (total > MAX_COUNTED) return undefined;
    } while (cursor);
    return total;
  }

  return {
    async appointment(user: AuthUser, fhirId: string) {
      const id = fromFhirId(fhirId);
      const message = `Appointment/${fhirId} is not known`;
      if (!id) throw new NotFoundError(message);
      const view = await booking.getAppointment(user, id, { withNotes: false }).catch((err) =>
        notFound(err, message)
      );
      return (await toResources([view]))[0];
    },

    /** The caller's own appointments: `date` (prefixes; plain dates are UTC days), `status`. */
    async searchAppointments(user: AuthUser, base: string, params: URLSearchParams) {
      const used = new URLSearchParams();
      const dates = params.getAll("date");
      dates.forEach((d) => used.append("date", d));
      const range = parseDateRange(dates, "date", utcDayStart);
      const query: AppointmentQuery = { fromMs: range.fromMs, toMs: range.toMs };
      const count = parseCount(params.get("_count") ?? undefined, 20, 100);
      const cursor = cursorParam(params.get("_cursor"));
      const status = params.get("status");
      if (status) {
        used.set("status", status);
        // Own keys only: `constructor` or `toString` read Object's, and a function as the status
        // dropped the filter on MongoDB records (every visit) while KV matched none.
        const code = tokenCode(status);
        query.status = Object.hasOwn(STATUS_FROM_FHIR, code) ? STATUS_FROM_FHIR[code] : undefined;
        // A FHIR status we never use (proposed, waitlist, …) matches nothing.
        if (!query.status) {
          return searchsetBundle(base, "Appointment", used, { resources: [], total: 0 });
        }
      }
      used.set("_count", String(count));
      if (cursor) used.set("_cursor", cursor);
      const page = await booking.listAppointments(user, query, count, cursor);
      const total = !cursor && !page.nextCursor
        ? page.items.length
        : await countAppointments(user, query);
      let next: URLSearchParams | undefined;
      if (page.nextCursor) {
        next = new URLSearchParams(used);
        next.set("_cursor", page.nextCursor);
      }
      const resources = await toResources(page.items);
      return searchsetBundle(base, "Appointment", used, { resources, total, next });
    },

    /** Only the signed-in patient's own record; any other id is 404. */
    async patient(user: AuthUser, fhirId: string) {
      const message = `Patient/${fhirId} is not known`;
      if (user.role !== "patient" || fromFhirId(fhirId) !== user.id) {
        throw new NotFoundError(message);
      }
      const profile = await patients.get(user.id).catch((err) => notFound(err, message));
      return patientResource(profile);
    },
  };
}

export type FhirPatientRecords = ReturnType<typeof createFhirPatientRecords>;
