/**
 * Refresh tokens: opaque random strings, stored only as an HMAC, rotated on every use. Each login
 * starts a family (a session); a token used twice means it was stolen, so the whole family is
 * revoked and both holders must log in again. Logout revokes the family. Access tokens carry the
 * family id (`sid`) and die with it (`isLive`). The record keeps the phone's blind index so that
 * a refresh can re-derive the role the phone has now (a revoked admin must not refresh into admin).
 *
 * KV keys: ["refresh", tokenHash] → RefreshRecord (expires with the token);
 * ["session", familyId] → SessionRecord; ["session_by_user", userId, familyId] → familyId.
 */
import type { KeyedHash } from "../crypto/keyed_hash.ts";
import { newId, randomToken } from "../crypto/random.ts";
import { UnauthenticatedError } from "../errors.ts";
import { groupCommitOf } from "../stores/kv/group_commit.ts";
import { commit, untilCommitted, withKvRetry } from "../stores/kv/kv_commit.ts";
import {
  keySpace,
  refreshKey,
  sessionByUserKey,
  sessionByUserPrefix,
  sessionKey,
} from "../stores/kv/keys.ts";
import type { AuthUser } from "./token_service.ts";

interface RefreshRecord {
  familyId: string;
  user: AuthUser;
  /** Absent in records written before issue 17; such sessions cannot re-derive their role. */
  phoneIndex?: string;
  expiresAtMs: number;
  rotatedAtMs: number | null;
}

export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAtMs: number;
  revokedAt: string | null;
  userAgent: string | null;
}

export interface IssuedRefresh {
  token: string;
  sessionId: string;
}

export interface RotatedRefresh extends IssuedRefresh {
  user: AuthUser;
  phoneIndex: string | null;
}

export interface RefreshTokens {
  issue(user: AuthUser, userAgent: string | null, phoneIndex: string): Promise<IssuedRefresh>;
  /**
   * Uses the token: its session gets a new one and the token counts as used (a second use is
   * reuse and ends the session). `vet` is called with the session the token belongs to before
   * anything is written; should it throw (the session's user is no longer who the token says, or
   * the check could not be made now), the token stays unused, so a retry after an outage works.
   */
  rotate(
    token: string,
    vet?: (session: Omit<RotatedRefresh, "token">) => Promise<void>,
  ): Promise<RotatedRefresh>;
  /** True while the session (token family) stands: not revoked, not expired. */
  isLive(sessionId: string): Promise<boolean>;
  /** Ends a session whatever its owner (role changes, reuse). */
  end(sessionId: string): Promise<void>;
  revoke(token: string, userId: string): Promise<void>;
  revokeSession(userId: string, sessionId: string): Promise<boolean>;
  listSessions(userId: string): Promise<SessionRecord[]>;
  /**
   * Deletes every session and refresh token of the user (erasure), not just revokes them. Refresh
   * tokens are found by reading all of ["refresh"] (they are keyed by hash only): erasure is rare.
   */
  forgetUser(userId: string): Promise<number>;
}

export function createRefreshTokens(
  kv: Deno.Kv,
  hash: KeyedHash,
  ttlMs: number,
  now = () => Date.now(),
): RefreshTokens {
  // A new family's records check nothing (fresh ids): logins share commits with other blind writes.
  const group = groupCommitOf(kv);
  async function revokeFamily(familyId: string) {
    await untilCommitted("end a session", async () => {
      const s = await withKvRetry(() => kv.get<SessionRecord>(sessionKey(familyId)));
      // Gone (erased, lapsed) or already ended: a write here would bring an erased record back.
      if (!s.value || s.value.revokedAt) return true;
      const res = await commit(() =>
        kv.atomic().check(s).set(sessionKey(familyId), {
          ...s.value!,
          revokedAt: new Date(now()).toISOString(),
        }, { expireIn: Math.max(1000, s.value!.expiresAtMs - now()) })
      );
      return res.ok ? true : undefined;
    });
  }

  async function store(
    user: AuthUser,
    familyId: string,
    session: SessionRecord,
    phoneIndex: string | undefined,
  ) {
    const token = randomToken(32);
    const record: RefreshRecord = {
      familyId,
      user,
      phoneIndex,
      expiresAtMs: now() + ttlMs,
      rotatedAtMs: null,
    };
    return { token, key: refreshKey(await hash.hash("refresh", token)), record, session };
  }

  /** A usable token's record and session; a used one is reuse and ends its family. */
  async function load(token: string) {
    const entry = await withKvRetry(() =>
      hash.hash("refresh", token).then((h) => kv.get<RefreshRecord>(refreshKey(h)))
    );
    const rec = entry.value;
    if (!rec || rec.expiresAtMs <= now()) {
      throw new UnauthenticatedError("The refresh token is invalid or expired");
    }
    const session = await withKvRetry(() => kv.get<SessionRecord>(sessionKey(rec.familyId)));
    if (!session.value || session.value.revokedAt) {
      throw new UnauthenticatedError("This session has ended; log in again");
    }
    if (rec.rotatedAtMs !== null) {
      await revokeFamily(rec.familyId);
      throw new UnauthenticatedError("This refresh token was already used; log in again");
    }
    return { entry, rec, session };
  }

  return {
    async issue(user, userAgent, phoneIndex) {
      const familyId = newId("ses");
      const iso = new Date(now()).toISOString();
      const session: SessionRecord = {
        id: familyId,
        userId: user.id,
        createdAt: iso,
        lastUsedAt: iso,
        expiresAtMs: now() + ttlMs,
        revokedAt: null,
        userAgent: userAgent?.slice(0, 200) ?? null,
      };
      const s = await store(user, familyId, session, phoneIndex);
      await group.write(
        (op) =>
          op.set(s.key, s.record, { expireIn: ttlMs })
            .set(sessionKey(familyId), session, { expireIn: ttlMs })
            .set(sessionByUserKey(user.id, familyId), familyId, { expireIn: ttlMs }),
        3,
      );
      return { token: s.token, sessionId: familyId };
    },

    async rotate(token, vet) {
      const { entry, rec, session } = await load(token);
      await vet?.({ user: rec.user, sessionId: rec.familyId, phoneIndex: rec.phoneIndex ?? null });
      const next = await store(rec.user, rec.familyId, session.value!, rec.phoneIndex);
      const res = await commit(() =>
        kv.atomic().check(entry).check(session)
          .set(entry.key, { ...rec, rotatedAtMs: now() }, {
            expireIn: Math.max(1000, rec.expiresAtMs - now()),
          })
          .set(next.key, next.record, { expireIn: ttlMs })
          .set(sessionKey(rec.familyId), {
            ...session.value!,
            lastUsedAt: new Date(now()).toISOString(),
            expiresAtMs: now() + ttlMs,
          }, { expireIn: ttlMs })
          .set(sessionByUserKey(rec.user.id, rec.familyId), rec.familyId, { expireIn: ttlMs })
      );
      if (!res.ok) {
        // Lost a race with another use of the same token: that is reuse too.
        await revokeFamily(rec.familyId);
        throw new UnauthenticatedError("This refresh token was already used; log in again");
      }
      return {
        user: rec.user,
        token: next.token,
        sessionId: rec.familyId,
        phoneIndex: rec.phoneIndex ?? null,
      };
    },

    async isLive(sessionId) {
      const s = await withKvRetry(() => kv.get<SessionRecord>(sessionKey(sessionId)));
      return s.value !== null && s.value.revokedAt === null && s.value.expiresAtMs > now();
    },

    end: (sessionId) => revokeFamily(sessionId),

    async revoke(token, userId) {
      const h = await hash.hash("refresh", token);
      const entry = await withKvRetry(() => kv.get<RefreshRecord>(refreshKey(h)));
      if (entry.value && entry.value.user.id === userId) await revokeFamily(entry.value.familyId);
    },

    async revokeSession(userId, sessionId) {
      const s = await withKvRetry(() => kv.get<SessionRecord>(sessionKey(sessionId)));
      if (!s.value || s.value.userId !== userId) return false;
      await revokeFamily(sessionId);
      return true;
    },

    async forgetUser(userId) {
      let n = 0;
      for await (const e of kv.list<RefreshRecord>({ prefix: keySpace("refresh") })) {
        if (e.value.user.id !== userId) continue;
        await commit(() => kv.atomic().delete(e.key));
        n++;
      }
      for await (const e of kv.list<string>({ prefix: sessionByUserPrefix(userId) })) {
        await commit(() => kv.atomic().delete(sessionKey(e.value)).delete(e.key));
        n++;
      }
      return n;
    },

    async listSessions(userId) {
      const out: SessionRecord[] = [];
      for await (const e of kv.list<string>({ prefix: sessionByUserPrefix(userId) })) {
        const s = await kv.get<SessionRecord>(sessionKey(e.value));
        if (s.value && !s.value.revokedAt && s.value.expiresAtMs > now()) out.push(s.value);
      }
      return out;
    },
  };
}
