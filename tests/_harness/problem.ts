/** The shape every error answer must have: RFC 9457 problem+json, a stable code, no stack trace. */
import assert from "node:assert/strict";

export function assertProblem(
  res: { status: number; headers: Headers; body: unknown },
  status: number,
  code: string,
) {
  const body = res.body as Record<string, unknown>;
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(res.headers.get("content-type"), "application/problem+json");
  assert.equal(body.code, code);
  assert.equal(body.status, status);
  assert.equal(typeof body.title, "string");
  assert.equal(typeof body.detail, "string");
  assert.doesNotMatch(JSON.stringify(body), /file:\/\/|\bat \w+ \(|\.ts:\d+/, "no stack trace");
}
