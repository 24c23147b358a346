/**
 * 409 `course_unavailable`: some sessions of a course cannot be held. It carries the RFC 9457
 * extension members `unavailable` (the session starts that are taken or not offered) and
 * `alternatives` (complete plans that are bookable now), which the problem mapper copies into
 * the response body.
 */
import { ConflictError } from "../errors.ts";
import type { Alternative } from "./course_planner.ts";

export class CourseUnavailableError extends ConflictError {
  override name = "CourseUnavailableError";
  readonly extensions: { unavailable: string[]; alternatives: Alternative[] };

  constructor(unavailable: string[], alternatives: Alternative[]) {
    super(
      "course_unavailable",
      `${unavailable.length} session(s) of the course are not available; nothing was held`,
    );
    this.extensions = { unavailable, alternatives };
  }
}
