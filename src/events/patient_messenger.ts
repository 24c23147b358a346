/**
 * Sends one templated message to a patient through the MessageSender port: looks up the patient
 * (language, channel, time zone, sealed phone) and the doctor's name, renders the template, and
 * checks the channel's length limit. Never logs the phone or the body.
 */
import type { DataCipher } from "../crypto/data_cipher.ts";
import { PhoneUndeliverableError } from "../errors.ts";
import { maxLength, type MessageKind, patientMessage } from "../i18n/patient_templates.ts";
import type { MessageSender } from "../notify/message_sender.ts";
import type { Logger } from "../observability/logger.ts";
import type { RecordStores } from "../stores/ports.ts";
import type { DoctorRecord } from "../stores/records.ts";

export interface PatientMessenger {
  /**
   * false when there is nobody to send to (patient erased or gone); throws on send failure, and
   * `PhoneUndeliverableError` when the provider refused the phone for good (logged here, once).
   */
  send(
    kind: MessageKind,
    target: { patientId: string; doctorId: string; startMs?: number; date?: string },
  ): Promise<boolean>;
}

export function createPatientMessenger(deps: {
  records: RecordStores;
  /** Where the doctor's record comes from; default `records.doctors.get`. */
  doctorOf?: (doctorId: string) => Promise<DoctorRecord | null>;
  cipher: DataCipher;
  sender: MessageSender;
  log: Logger;
}): PatientMessenger {
  const { records, cipher, sender, log } = deps;
  const doctorOf = deps.doctorOf ?? records.doctors.get;
  return {
    async send(kind, target) {
      const [patient, doctor] = await Promise.all([
        records.patients.get(target.patientId),
        doctorOf(target.doctorId),
      ]);
      if (!patient || patient.erasedAt || !doctor) {
        log.info("patient message skipped: no recipient", { kind, patientId: target.patientId });
        return false;
      }
      const { body, template } = patientMessage(kind, patient.language, {
        doctorName: doctor.name,
        startMs: target.startMs,
        date: target.date,
        timeZone: patient.timeZone || doctor.timezone,
      });
      if (body.length > maxLength(patient.channel, body)) {
        throw new RangeError(`Message ${kind} is ${body.length} characters, over the limit`);
      }
      const to = await cipher.open(patient.phoneSealed);
      const result = await sender.send({ to, body, channel: patient.channel, template })
        .catch((err) => {
          if (err instanceof PhoneUndeliverableError) {
            log.warn("patient message not sent: the provider refuses the phone", {
              kind,
              patientId: patient.id,
              channel: patient.channel,
              providerCode: err.providerCode,
            });
          }
          throw err;
        });
      log.info("patient message sent", {
        kind,
        patientId: patient.id,
        channel: patient.channel,
        messageId: result.providerId,
      });
      return true;
    },
  };
}
