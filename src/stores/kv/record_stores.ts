/** The embedded records adapter: doctors, patients and appointments in one Deno KV database. */
import type { RecordStores } from "../ports.ts";
import { createKvAppointmentStore } from "./appointment_store.ts";
import type { CellMarkOptions } from "./cell_marks.ts";
import { createKvDoctorStore } from "./doctor_store.ts";
import { createKvPatientStore } from "./patient_store.ts";
import { pingKey } from "./keys.ts";

export function createKvRecordStores(kv: Deno.Kv, options: CellMarkOptions = {}): RecordStores {
  return {
    doctors: createKvDoctorStore(kv),
    patients: createKvPatientStore(kv),
    appointments: createKvAppointmentStore(kv, options),
    async ping() {
      await kv.get(pingKey);
    },
    // The KV handle belongs to the composition root, which closes it last.
    close: () => Promise.resolve(),
  };
}
