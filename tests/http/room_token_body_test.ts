/**
 * The doctor's room-token request (`POST /doctor/appointments/:id/room-token`) is mounted before
 * the doctor UI, so the UI's body limit never reaches it, yet its CSRF check parses the form body:
 * it must bound the body itself, like every other POST (413 before the body is read).
 */
import assert from "node:assert/strict";
import { startApp } from "../_harness/app.ts";
import { SESSION_COOKIE } from "../../src/ui/ui_env.ts";

Deno.test("POST /doctor/appointments/:id/room-token refuses a body over the doctor pages' limit with 413", async () => {
  await using app = await startApp({ RATE_LIMIT_DISABLED: "true" });
  const { runtime } = app;
  const identity = await runtime.deps.refresh.issue({ id: "doc_x", role: "doctor" }, null, "test");
  const ui = await runtime.deps.doctorUi!.sessions.create({
    doctorId: "doc_x",
    apiSessionId: identity.sessionId,
  });
  const filler = "x".repeat(4 * 1024 * 1024);
  const res = await app.fetch(
    new Request("http://vaidya.test/doctor/appointments/apt_x/room-token", {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: `${SESSION_COOKIE}=${ui.token}`,
      },
      body: `_csrf=${ui.session.csrfToken}&filler=${filler}`,
    }),
  );
  await res.body?.cancel();
  assert.equal(res.status, 413);
});
