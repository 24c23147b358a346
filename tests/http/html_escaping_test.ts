/**
 * Issue 17 (held): text a user controls is escaped in every HTML page. A doctor named with markup
 * appears as text on the public booking pages, never as an element.
 */
import assert from "node:assert/strict";
import { createDoctor } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";

Deno.test("markup in a doctor's name and bio is escaped on the booking pages", async () => {
  await using app = await startApp();
  const evil = `Dr. <img src=x onerror="alert(1)">`;
  const doctor = await createDoctor(app.api, await app.api.loginAdmin(), {
    name: evil,
    bio: `<script>alert("bio")</script>`,
  });
  const pages = [`/book/doctors/${doctor.id}`, `/book?q=${encodeURIComponent("Dr.")}`];
  let seen = 0;
  for (const path of pages) {
    const res = await app.fetch(new Request(`http://vaidya.test${path}`));
    const html = await res.text();
    if (res.status !== 200) continue;
    assert.ok(!html.includes("<img src=x"), `${path}: unescaped markup`);
    assert.ok(!html.includes(`<script>alert("bio")`), `${path}: unescaped script`);
    if (html.includes("&lt;img src=x")) seen++;
  }
  assert.ok(seen >= 1, "the name is shown, escaped, on at least one page");
});
