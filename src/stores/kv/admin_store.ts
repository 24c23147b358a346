/**
 * Admin phones granted at run time (by `deno task admin:create`), in addition to ADMIN_PHONES.
 * Only the phone's blind index is stored, under ["admin_by_phone", phoneIndex]; the phone itself
 * never is. Login checks `isAdmin` after the config list (see auth/identity_service.ts).
 */
import type { AdminStore } from "../ports.ts";
import { commit, withKvRetry } from "./kv_commit.ts";
import { adminByPhoneKey, keySpace } from "./keys.ts";

export interface AdminGrant {
  createdAt: string;
  /** Free text for the audit trail, e.g. who asked; never a phone number. */
  note: string | null;
}

export type { AdminStore } from "../ports.ts";

export function createKvAdminStore(kv: Deno.Kv): AdminStore {
  return {
    async isAdmin(phoneIndex) {
      const entry = await withKvRetry(() => kv.get<AdminGrant>(adminByPhoneKey(phoneIndex)));
      return entry.value !== null;
    },
    async grant(phoneIndex, grant) {
      const key = adminByPhoneKey(phoneIndex);
      const res = await commit(() =>
        kv.atomic().check({ key, versionstamp: null }).set(key, grant)
      );
      return res.ok;
    },
    async revoke(phoneIndex) {
      const entry = await withKvRetry(() => kv.get<AdminGrant>(adminByPhoneKey(phoneIndex)));
      if (entry.value === null) return false;
      const res = await commit(() => kv.atomic().check(entry).delete(entry.key));
      return res.ok;
    },
    async count() {
      let n = 0;
      for await (const _ of kv.list({ prefix: keySpace("admin_by_phone") })) n++;
      return n;
    },
  };
}
