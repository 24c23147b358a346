/**
 * Refresh tokens: opaque random strings, stored only as an HMAC, rotated on every use. Each login
 * starts a family (a session); a token used twice means it was stolen, so the whole family is
 * revoked and both holders must log in again, unless the second use comes within the reuse grace
 * (src/domain/refresh_reuse.ts): then it gets a sibling token in the same family, expiring with the
 * token its first use got, so the grace never lengthens a session. Logout revokes the family.
 * Access tokens carry the family id (`sid`) and die with it (`isLive`). The record keeps the
 * phone's blind index so that a refresh can re-derive the role the phone has now (a revoked admin
 * must not refresh into admin).
 *
 * KV keys: ["refresh", tokenHash] → RefreshRecord (expires with the token);
 * ["refresh_by_user", userId, tokenHash] → null, written with it, so an erasure reads the user's
 * tokens, not everyone's; ["session", familyId] → SessionRecord;
 * ["session_by_user", userId, familyId] → familyId.
 */
import type { KeyedHash } from "../crypto/keyed_hash.ts";
import { newId, randomToken } from "../crypto/random.ts";
import { judgePresentation } from "../domain/refresh_reuse.ts";
import { UnauthenticatedError } from "../errors.ts";
import { groupCommitOf } from "../stores/kv/group_commit.ts";
import { commit, untilCommitted, withKvRetry } from "../stores/kv/kv_commit.ts";
import {
  keySpace,
  refreshByUserKey,
  refreshByUserPrefix,
  refreshIndexedSinceKey,
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
  /** Siblings issued for this token within the reuse grace (absent: none). */
  gracedReissues?: number;
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
   * Uses the token: its session gets a new one and the token counts as used (a second use is reuse
   * and ends the session, unless it comes within the reuse grace: then it gets a sibling). `vet` is
   * called with the session the token belongs to before anything is written; should it throw (the
   * session's user is no longer who the token says, or the check could not be made now), the token
   * stays unused, so a retry after an outage works.
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
   * Deletes every session and refresh token of the user (erasure), not just revokes them. Tokens
   * are found through the user's ["refresh_by_user"] entries, and also by reading all of
   * ["refresh"] while tokens of a version before that index may still live (LEGACY_SCAN_MS).
   */
  forgetUser(userId: string): Promise<number>;
}

/**
 * How long past one token lifetime after the index's first entry erasure still reads every token:
 * instances of the earlier version, still serving during a rollout, write tokens without entries.
 */
const ROLLOUT_MARGIN_MS = 86_400_000;

export function createRefreshTokens(
  kv: Deno.Kv,
  hash: KeyedHash,
  ttlMs: number,
  now = () => Date.now(),
  /** How long after a rotation the same token still gets a sibling pair; 0: never. */
  reuseGraceMs = 0,
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
    expiresAtMs = now() + ttlMs,
  ) {
    await (indexing ??= markIndexing());
    const token = randomToken(32);
    const record: RefreshRecord = {
      familyId,
      user,
      phoneIndex,
      expiresAtMs,
      rotatedAtMs: null,
    };
    const tokenHash = await hash.hash("refresh", token);
    return {
      token,
      key: refreshKey(tokenHash),
      byUser: refreshByUserKey(user.id, tokenHash),
      record,
      session,
    };
  }

  /**
   * Notes (once per store, before its first token) since when tokens are indexed by user; the
   * earliest note stands. Unnoted (a failed write), erasure keeps reading every token: safe.
   */
  let indexing: Promise<void> | undefined;
  async function markIndexing() {
    await kv.atomic().check({ key: refreshIndexedSinceKey, versionstamp: null })
      .set(refreshIndexedSinceKey, now()).commit()
      .catch(() => indexing = undefined);
  }

  /**
   * The token's record and session, and what presenting it means now; reuse ends its family. A
   * token of an ended or lapsed session is refused before any grace is considered.
   */
  async function load(tokenHash: string) {
    const entry = await withKvRetry(() => kv.get<RefreshRecord>(refreshKey(tokenHash)));
    const rec = entry.value;
    if (!rec || rec.expiresAtMs <= now()) {
      throw new UnauthenticatedError("The refresh token is invalid or expired");
    }
    const session = await withKvRetry(() => kv.get<SessionRecord>(sessionKey(rec.familyId)));
    if (!session.value || session.value.revokedAt || session.value.expiresAtMs <= now()) {
      throw new UnauthenticatedError("This session has ended; log in again");
    }
    const presentation = judgePresentation(rec, now(), reuseGraceMs);
    if (presentation === "reuse") {
      await revokeFamily(rec.familyId);
      throw new UnauthenticatedError("This refresh token was already used; log in again");
    }
    return { entry, rec, session, presentation };
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
            .set(s.byUser, null, { expireIn: ttlMs })
            .set(sessionKey(familyId), session, { expireIn: ttlMs })
            .set(sessionByUserKey(user.id, familyId), familyId, { expireIn: ttlMs }),
        4,
      );
      return { token: s.token, sessionId: familyId };
    },

    async rotate(token, vet) {
      const tokenHash = await hash.hash("refresh", token);
      let vetted = false;
      // A lost race (the same token used at the same moment, the session changed, a sibling of
      // the family rotated) is judged again from what won: a graced sibling, or reuse, or ended.
      const next = await untilCommitted("refresh a session", async () => {
        const { entry, rec, session, presentation } = await load(tokenHash);
        if (!vetted) {
          await vet?.({
            user: rec.user,
            sessionId: rec.familyId,
            phoneIndex: rec.phoneIndex ?? null,
          });
          vetted = true;
        }
        const t = now();
        if (presentation === "grace") {
          // The sibling ends when the token the first use got ends; the session is not touched.
          const expiresAtMs = rec.rotatedAtMs! + ttlMs;
          const sibling = await store(
            rec.user,
            rec.familyId,
            session.value,
            rec.phoneIndex,
            expiresAtMs,
          );
          const res = await commit(() =>
            kv.atomic().check(entry).check(session)
              .set(entry.key, { ...rec, gracedReissues: (rec.gracedReissues ?? 0) + 1 }, {
                expireIn: Math.max(1000, rec.expiresAtMs - t),
              })
              .set(sibling.key, sibling.record, { expireIn: Math.max(1000, expiresAtMs - t) })
              .set(sibling.byUser, null, { expireIn: Math.max(1000, expiresAtMs - t) })
          );
          return res.ok ? sibling : undefined;
        }
        const child = await store(rec.user, rec.familyId, session.value, rec.phoneIndex, t + ttlMs);
        const res = await commit(() =>
          kv.atomic().check(entry).check(session)
            .set(entry.key, { ...rec, rotatedAtMs: t }, {
              expireIn: Math.max(1000, rec.expiresAtMs - t),
            })
            .set(child.key, child.record, { expireIn: ttlMs })
            .set(child.byUser, null, { expireIn: ttlMs })
            .set(sessionKey(rec.familyId), {
              ...session.value,
              lastUsedAt: new Date(t).toISOString(),
              expiresAtMs: t + ttlMs,
            }, { expireIn: ttlMs })
            .set(sessionByUserKey(rec.user.id, rec.familyId), rec.familyId, { expireIn: ttlMs })
        );
        return res.ok ? child : undefined;
      });
      const rec = next.record;
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
      // Sessions first: a refresh (or graced reuse) checks its session, so none lands once they
      // are gone, and one that landed before wrote its token before the scan below began. The
      // other way round, a token written while the scan ran could sort behind it and stay.
      for await (const e of kv.list<string>({ prefix: sessionByUserPrefix(userId) })) {
        await commit(() => kv.atomic().delete(sessionKey(e.value)).delete(e.key));
        n++;
      }
      for await (const e of kv.list<null>({ prefix: refreshByUserPrefix(userId) })) {
        const tokenHash = e.key.at(-1) as string;
        await commit(() => kv.atomic().delete(refreshKey(tokenHash)).delete(e.key));
        n++;
      }
      const since = await withKvRetry(() => kv.get<number>(refreshIndexedSinceKey));
      if (since.value !== null && now() >= since.value + ttlMs + ROLLOUT_MARGIN_MS) return n;
      for await (const e of kv.list<RefreshRecord>({ prefix: keySpace("refresh") })) {
        if (e.value.user.id !== userId) continue;
        await commit(() => kv.atomic().delete(e.key));
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
