/**
 * Browser helpers for the doctor UI tests: headless Chromium through playwright-core, an axe-core
 * run inside the page (zero violations expected), CSP-violation capture, screenshots, and the
 * doctor's login through the real OTP flow with the code read from the dev outbox.
 */
import assert from "node:assert/strict";
import axe from "axe-core";
import { type Browser, chromium, type Page } from "playwright-core";
import type { Api } from "../_harness/api.ts";

export const SCREENSHOT_DIR = new URL("../../test-artifacts/screenshots/", import.meta.url);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** Collects console errors about the Content-Security-Policy, which must stay empty. */
export function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" && /Content Security Policy/i.test(msg.text())) {
      violations.push(msg.text());
    }
  });
  return violations;
}

/** Runs axe-core in the page (evaluated over CDP, so the page's CSP still holds for the page). */
export async function assertAccessible(page: Page, label: string) {
  await page.evaluate(axe.source);
  const violations = await page.evaluate(`axe.run(document).then((r) => r.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
  })))`);
  assert.deepEqual(violations, [], `axe violations on ${label}: ${JSON.stringify(violations)}`);
}

export async function screenshot(page: Page, name: string) {
  await Deno.mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOT_DIR).pathname, fullPage: true });
}

/** Fills the login form from whatever page the browser is on (it must show the phone step). */
export async function loginInBrowser(page: Page, api: Api, phone: string) {
  await page.fill('input[name="phone"]', phone);
  await page.click('main button[type="submit"]');
  await page.waitForSelector('input[name="code"]');
  await page.fill('input[name="code"]', await api.latestCode(phone));
  await Promise.all([
    page.waitForURL((url) => !url.pathname.startsWith("/doctor/login")),
    page.click('main button[type="submit"]'),
  ]);
}
