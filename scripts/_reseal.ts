/**
 * Re-sealing stored personal and medical fields under the active data key, in batches, with a
 * resumable checkpoint in KV under ["ops_checkpoint", "reseal"]: a run that stops (crash, Ctrl-C)
 * continues where it left off when started again. Writes go through the record-store ports with
 * the usual version check, so a record changed meanwhile is re-read and tried once more.
 */
import type { OperatorRuntime } from "../src/bootstrap.ts";
import type { DataCipher } from "../src/crypto/data_cipher.ts";
import { ConflictError } from "../src/errors.ts";
import { commit } from "../src/stores/kv/kv_commit.ts";
import { opsCheckpointKey } from "../src/stores/kv/keys.ts";

type Phase = "doctors" | "appointments" | "patients" | "done";
interface Checkpoint {
  kid: string;
  phase: Phase;
  cursor: string | null;
}

export interface ResealCounts {
  scanned: number;
  stale: number;
  resealed: number;
  conflicts: number;
}

type Sealed = string | null;
const CHECKPOINT = opsCheckpointKey("reseal");

/** Fields of `rec` named in `fields` that are sealed under another key than the active one. */
function staleFields<T>(rec: T, fields: (keyof T)[], cipher: DataCipher): (keyof T)[] {
  return fields.filter((f) => {
    const v = rec[f] as Sealed;
    return typeof v === "string" && cipher.keyIdOf(v) !== cipher.activeKeyId;
  });
}

async function resealed<T>(rec: T, fields: (keyof T)[], cipher: DataCipher): Promise<T> {
  const next = { ...rec };
  for (const f of fields) {
    next[f] = await cipher.seal(await cipher.open(rec[f] as string)) as T[keyof T];
  }
  return next;
}

export async function resealAll(
  rt: OperatorRuntime,
  apply: boolean,
  onPage: (phase: Phase, n: number) => void,
): Promise<ResealCounts> {
  const { cipher, records, kv } = rt;
  const counts: ResealCounts = { scanned: 0, stale: 0, resealed: 0, conflicts: 0 };
  const saved = (await kv.get<Checkpoint>(CHECKPOINT)).value;
  let cp: Checkpoint = apply && saved?.kid === cipher.activeKeyId
    ? saved
    : { kid: cipher.activeKeyId, phase: "doctors", cursor: null };
  const save = async (next: Checkpoint) => {
    cp = next;
    if (apply) await commit(() => kv.atomic().set(CHECKPOINT, next));
  };

  /** Applies `write` with one re-read on a version conflict. */
  async function update<T extends { version: number }>(
    rec: T,
    fields: (keyof T)[],
    reread: () => Promise<T | null>,
    write: (prev: T, next: T) => Promise<unknown>,
  ) {
    counts.scanned++;
    if (staleFields(rec, fields, cipher).length === 0) return;
    counts.stale++;
    if (!apply) return;
    let current: T | null = rec;
    for (let attempt = 0; attempt < 2 && current; attempt++) {
      const stale = staleFields(current, fields, cipher);
      if (stale.length === 0) return;
      const next = { ...(await resealed(current, stale, cipher)), version: current.version + 1 };
      try {
        await write(current, next);
        counts.resealed++;
        return;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        current = await reread();
      }
    }
    counts.conflicts++;
  }

  while (cp.phase === "doctors" || cp.phase === "appointments") {
    const page = await records.doctors.search({}, 100, cp.cursor ?? undefined);
    for (const d of page.items) {
      if (cp.phase === "doctors") {
        await update(
          d,
          ["phoneSealed"],
          () => records.doctors.get(d.id),
          (_p, n) => records.doctors.update(n),
        );
        continue;
      }
      let cursor: string | undefined;
      for (let i = 0; i < 100_000; i++) {
        const res = await records.appointments.listForDoctor(d.id, {}, 200, cursor);
        for (const a of res.items) {
          await update(
            a,
            ["reasonSealed", "notesSealed", "cancelReasonSealed"],
            () => records.appointments.get(a.id),
            (p, n) => records.appointments.transition(p, n),
          );
        }
        if (!res.nextCursor) break;
        cursor = res.nextCursor;
      }
    }
    onPage(cp.phase, page.items.length);
    if (page.nextCursor) await save({ ...cp, cursor: page.nextCursor });
    else {await save({
        ...cp,
        phase: cp.phase === "doctors" ? "appointments" : "patients",
        cursor: null,
      });}
  }

  if (cp.phase === "patients") {
    for (;;) {
      const page = await records.patients.list(200, cp.cursor ?? undefined);
      for (const p of page.items) {
        await update(
          p,
          ["phoneSealed", "nameSealed", "profileSealed"],
          () => records.patients.get(p.id),
          (_p, next) => records.patients.update(next),
        );
      }
      onPage("patients", page.items.length);
      if (!page.nextCursor) break;
      await save({ ...cp, cursor: page.nextCursor });
    }
    await save({ ...cp, phase: "done", cursor: null });
  }
  return counts;
}
