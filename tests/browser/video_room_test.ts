/**
 * A video consultation in two real browsers (headless Chromium, one context each) against the
 * real server: the patient opens /room/:id with the access token in the fragment, the doctor logs
 * in to the web UI and follows "Join video"; the pages signal over the app's WebSocket, connect
 * with WebRTC on loopback (host candidates, no STUN/TURN) and exchange a data-channel message
 * both ways, each shown in the other page. No CSP violation may occur on either page.
 */
import assert from "node:assert/strict";
import { type Browser, chromium } from "playwright-core";
import { Api, createDoctor, randomPhone } from "../_harness/api.ts";
import { startServer } from "../_harness/server.ts";
import { bookAt } from "../http/_room_client.ts";
import { loginInBrowser, screenshot, watchCsp } from "./_browser.ts";

function launchWebRtcBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      // Peers on 127.0.0.1 with plain host candidates: no mDNS names, loopback allowed.
      "--allow-loopback-in-peer-connection",
      "--disable-features=WebRtcHideLocalIpsWithMdns",
    ],
  });
}

Deno.test({
  name: "video room: patient and doctor pages exchange data-channel messages over loopback",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: { RATE_LIMIT_DISABLED: "true" } });
    let browser: Browser | null = null;
    try {
      const api = new Api(server.url);
      const admin = await api.loginAdmin();
      const doctor = await createDoctor(api, admin, { slotMinutes: 5, timezone: "UTC" }, {
        start: "00:00",
        end: "24:00",
      });
      const patient = await api.login(randomPhone());
      // The first slot from now starts within 5 minutes, so the room is open already.
      const appointment = await bookAt(api, patient, doctor.id, Date.now(), true);

      browser = await launchWebRtcBrowser();
      const doctorPage = await (await browser.newContext()).newPage();
      const patientPage = await (await browser.newContext()).newPage();
      const cspDoctor = watchCsp(doctorPage);
      const cspPatient = watchCsp(patientPage);

      await doctorPage.goto(`${server.url}/doctor/appointments/${appointment.id}`);
      await loginInBrowser(doctorPage, api, doctor.phone);
      assert.equal(new URL(doctorPage.url()).pathname, `/doctor/appointments/${appointment.id}`);
      await Promise.all([
        doctorPage.waitForURL((u) => u.pathname.endsWith("/video")),
        doctorPage.click("#join-video"),
      ]);

      await patientPage.goto(
        `${server.url}/room/${appointment.id}#token=${encodeURIComponent(patient.accessToken)}`,
      );
      assert.equal(new URL(patientPage.url()).hash, "", "the access token leaves the address bar");

      for (const page of [doctorPage, patientPage]) {
        await page.waitForSelector("#send-form:not([hidden])", { timeout: 20_000 });
        assert.equal(await page.textContent("#room-status"), "Connected");
      }

      await doctorPage.fill("#send-text", "Namaste from the doctor");
      await doctorPage.click("#send-form button");
      await patientPage.waitForSelector("#messages li.peer", { timeout: 10_000 });
      assert.equal(await patientPage.textContent("#messages li.peer"), "Namaste from the doctor");

      await patientPage.fill("#send-text", "Hello from the patient");
      await patientPage.click("#send-form button");
      await doctorPage.waitForSelector("#messages li.peer", { timeout: 10_000 });
      assert.equal(await doctorPage.textContent("#messages li.peer"), "Hello from the patient");

      await screenshot(doctorPage, "video-room-doctor");
      await screenshot(patientPage, "video-room-patient");
      assert.deepEqual([...cspDoctor, ...cspPatient], [], "no CSP violations");
      const logs = server.logs();
      assert.doesNotMatch(logs, new RegExp(patient.accessToken.slice(-20)), "no access token");
    } finally {
      await browser?.close();
      await server.stop();
    }
  },
});
