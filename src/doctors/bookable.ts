import { DoctorInactiveError, NotFoundError } from "../errors.ts";

/**
 * The doctor a new hold, course or waitlist place may be made with: 404 unless found, 409
 * `doctor_inactive` while deactivated (nothing new is booked with them until reactivated).
 */
export function bookableDoctor<D extends { deactivatedAt?: string | null }>(
  doctor: D | null,
  id: string,
): D {
  if (!doctor) throw new NotFoundError(`Doctor ${id} does not exist`);
  if (doctor.deactivatedAt) throw new DoctorInactiveError(id);
  return doctor;
}
