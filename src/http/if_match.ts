/**
 * Optimistic concurrency and revalidation on appointments over HTTP (RFC 9110 §8.8.3, §13.1.1,
 * §13.1.2): the `ETag` an appointment is answered with, the `If-Match` a change may send, and the
 * `If-None-Match` a read may send to be answered 304 when its copy is current. The tag is strong and
 * derived from the appointment's id and stored `version` only, so every change (which bumps the
 * version) changes it and nothing else does; clients treat it as opaque. `If-Match` is parsed here
 * into the versions it names for one appointment; the booking service compares them with the
 * record its change is built on, and the store's compare-and-set on that record's version makes
 * the comparison hold at the commit.
 */
import { z } from "@hono/zod-openapi";

/** One entity-tag: `"…"` or weak `W/"…"` (etagc: visible ASCII but `"`, or obs-text). */
const ENTITY_TAG = String.raw`(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"`;
/**
 * `*` or a list of entity-tags: the value of `If-Match` and of `If-None-Match`. Empty list
 * elements (`"a", , "b"`, a leading or trailing comma) are accepted and ignored (RFC 9110
 * §5.6.1.2); a list needs one tag, so a value of only commas and whitespace is malformed.
 */
const TAG_LIST = String.raw`[ \t]*(?:,[ \t]*)*${ENTITY_TAG}` +
  String.raw`(?:[ \t]*(?:,[ \t]*)+${ENTITY_TAG})*(?:[ \t]*,)*[ \t]*`;
const CONDITION = new RegExp(String.raw`^(?:[ \t]*\*[ \t]*|${TAG_LIST})$`);
const TAGS = new RegExp(ENTITY_TAG, "g");

function conditionHeader(description: string) {
  return z.string().max(1024).regex(CONDITION, "must be * or a list of entity-tags").optional()
    .openapi({ description, example: '"apt_01m8r9c3v6x2k1q4z7w5n0p8hd.v1"' });
}

/** The request headers of a route that changes one appointment. */
export const IfMatchHeaders = z.object({
  "If-Match": conditionHeader(
    "Change only if the appointment is still at this version: the `ETag` it was answered with " +
      "(`*`: any existing appointment). Another version answers 412 `precondition_failed` and " +
      "changes nothing.",
  ),
});

/** The request headers of the read of one appointment. */
export const IfNoneMatchHeaders = z.object({
  "If-None-Match": conditionHeader(
    "Answer 304 Not Modified (its `ETag`, no body) if the appointment is still at one of these " +
      "versions: the `ETag`s of copies the client keeps, compared weakly (`*`: it exists). " +
      "Checked after access, so another caller's appointment is a 404 as without it.",
  ),
});

/**
 * Whether a valid `If-None-Match` value names `etag`, so a GET answers 304 (RFC 9110 §13.1.2):
 * `*` names any current representation; tags compare weakly (`W/` ignored on both sides).
 */
export function noneMatchFails(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === "*") return true;
  const opaque = etag.replace(/^W\//, "");
  for (const [tag] of ifNoneMatch.matchAll(TAGS)) {
    if (tag.replace(/^W\//, "") === opaque) return true;
  }
  return false;
}

/** The strong `ETag` of an appointment at its stored version. */
export function appointmentEtag(a: { id: string; version: number }): string {
  return `"${a.id}.v${a.version}"`;
}

/** The `ETag` response header of the answers that carry one appointment. */
export const EtagHeader = z.object({
  ETag: z.string().openapi({
    description: "Strong and opaque; changes with every change of the appointment. Send it as " +
      "`If-Match` to change the appointment only if nobody changed it meanwhile.",
  }),
});

/**
 * The versions of appointment `id` that a valid `If-Match` value accepts: undefined for none sent
 * or `*` (any existing appointment, which every route requires anyway); otherwise those its strong
 * tags name, possibly none (weak tags never match, RFC 9110 §13.1.1), so the change is refused.
 */
export function acceptedVersions(ifMatch: string | undefined, id: string): number[] | undefined {
  if (ifMatch === undefined || ifMatch.trim() === "*") return undefined;
  const versions: number[] = [];
  for (const [tag] of ifMatch.matchAll(TAGS)) {
    const version = /^"(.+)\.v([1-9][0-9]{0,14})"$/.exec(tag);
    if (version && version[1] === id) versions.push(Number(version[2]));
  }
  return versions;
}
