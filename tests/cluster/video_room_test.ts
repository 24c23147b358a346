/**
 * Video rooms across instances (issues 14 and 20): two Vaidya processes on one real denokv (KV
 * Connect) with nginx in front from the repo's production example.
 * - Signalling: the patient's socket on instance A and the doctor's on instance B meet through the
 *   shared store: notices, the offer and the answer relayed verbatim; the seat and the spent token
 *   are seen by the other instance; peer-left crosses too.
 * - Two Chromium pages behind nginx, whose WebSockets land on different instances (checked in the
 *   instances' own logs): each receives the other's video and audio.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { Api, createDoctor, randomPhone, type Session } from "../_harness/api.ts";
import { type Cluster, startCluster } from "../_harness/cluster.ts";
import { bookAt, connectPeer, type RoomTicket } from "../http/_room_client.ts";
import { loginInBrowser } from "../browser/_browser.ts";
import { callContext, launchCallBrowser, waitForStats } from "../browser/_video_call.ts";

const WS_ROUTE = '"route":"/v1/rooms/:appointmentId/ws"';
const wsCount = (logs: string) => logs.split(WS_ROUTE).length - 1;

/** The problem a plain GET of the socket URL gets from one instance (admission runs first). */
async function refusal(base: string, id: string, token: string): Promise<string> {
  const res = await fetch(`${base}/v1/rooms/${id}/ws?token=${encodeURIComponent(token)}`);
  const body = await res.json();
  return `${res.status} ${body.code}`;
}

/** Which instance served a request with this id (each instance logs its requests). */
function servedBy(cluster: Cluster, requestId: string): number {
  return cluster.instances.findIndex((i) => i.logs().includes(requestId));
}

Deno.test({
  name: "video rooms: peers on different instances meet through denokv, also behind nginx",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using cluster = await startCluster({
      instances: 2,
      env: { RATE_LIMIT_DISABLED: "true" },
    });
    const [a, b] = cluster.instances;
    const api = new Api(cluster.url);
    const admin = await api.loginAdmin();
    const doctor = await createDoctor(api, admin, { slotMinutes: 5, timezone: "UTC" }, {
      start: "00:00",
      end: "24:00",
    });
    const dr = await api.login(doctor.phone);
    const patient = await api.login(randomPhone());
    const first = await bookAt(api, patient, doctor.id, Date.now(), true);
    const second = await bookAt(api, patient, doctor.id, Date.parse(first.end), true);
    const ticket = async (s: Session, id: string) => {
      const res = await api.request<RoomTicket>("POST", `/v1/appointments/${id}/room-token`, {
        token: s.accessToken,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body;
    };
    const wsUrl = (base: string, id: string, token: string) =>
      `${base.replace("http:", "ws:")}/v1/rooms/${id}/ws?token=${encodeURIComponent(token)}`;

    await t.step("signalling: patient on instance A, doctor on instance B", async () => {
      const patientTicket = await ticket(patient, first.id);
      const p = await connectPeer(wsUrl(a.url, first.id, patientTicket.token));
      assert.ok(p, "the patient connects to A");
      assert.deepEqual(await p.next(), { type: "joined", role: "patient", peer: null });

      const second = await ticket(patient, first.id);
      assert.equal(
        await refusal(b.url, first.id, second.token),
        "409 room_full",
        "B sees A's seat",
      );

      const d = await connectPeer(wsUrl(b.url, first.id, (await ticket(dr, first.id)).token));
      assert.ok(d, "the doctor connects to B");
      assert.deepEqual(await d.next(), { type: "joined", role: "doctor", peer: "patient" });
      assert.deepEqual(await p.next(), { type: "peer-joined", role: "doctor" });

      const offer = '{"type":"offer","sdp":"v=0\\r\\n","n":1}';
      d.ws.send(offer);
      assert.equal(await p.nextRaw(), offer, "A's socket gets B's offer verbatim");
      p.ws.send('{"type":"answer","sdp":"v=0"}');
      assert.deepEqual(await d.next(), { type: "answer", sdp: "v=0" });
      for (let i = 0; i < 5; i++) d.ws.send(JSON.stringify({ type: "ice", i }));
      for (let i = 0; i < 5; i++) assert.deepEqual(await p.next(), { type: "ice", i }, "in order");

      p.ws.close();
      await p.closed;
      assert.deepEqual(await d.next(), { type: "peer-left", role: "patient" });
      assert.equal(
        await refusal(b.url, first.id, patientTicket.token),
        "401 unauthenticated",
        "a spent token is refused by the other instance too",
      );
      d.ws.close();
      await d.closed;
    });

    let browser: Browser | null = null;
    try {
      await t.step("two Chromium pages behind nginx, on different instances", async () => {
        browser = await launchCallBrowser();
        const doctorPage = await (await callContext(browser)).newPage();
        const patientPage = await (await callContext(browser)).newPage();
        await doctorPage.goto(`${cluster.url}/doctor/appointments/${second.id}`);
        await loginInBrowser(doctorPage, api, doctor.phone);
        await Promise.all([
          doctorPage.waitForURL((u) => u.pathname.endsWith("/video")),
          doctorPage.click("#join-video"),
        ]);
        const base = [wsCount(a.logs()), wsCount(b.logs())];
        await doctorPage.click("#join");
        await doctorPage.waitForSelector("#room-status:has-text('Waiting')");
        const doctorOn = wsCount(a.logs()) > base[0] ? 0 : 1;
        assert.equal(wsCount([a, b][doctorOn].logs()), base[doctorOn] + 1, "one doctor socket");
        // nginx (one worker) takes turns; steer the patient's WebSocket to the instance the
        // doctor's socket is not on: probe until a probe lands on the doctor's, then join. A
        // request of the browser's own can take the turn in between; then the patient reloads
        // (leaving the room, as a patient may) and tries again.
        let patientOn = doctorOn;
        for (let attempt = 0; attempt < 5 && patientOn === doctorOn; attempt++) {
          // A fresh document each time (the page takes the token out of its address).
          if (attempt > 0) await patientPage.goto("about:blank");
          await patientPage.goto(
            `${cluster.url}/room/${second.id}#token=${encodeURIComponent(patient.accessToken)}`,
          );
          await patientPage.waitForLoadState("networkidle");
          for (let i = 0; i < 4; i++) {
            const id = `probe-${crypto.randomUUID()}`;
            const res = await fetch(`${cluster.url}/healthz`, {
              headers: { "x-request-id": id },
            });
            await res.body?.cancel();
            if (servedBy(cluster, id) === doctorOn) break;
          }
          const before = [wsCount(a.logs()), wsCount(b.logs())];
          await patientPage.click("#join");
          const deadline = Date.now() + 15_000;
          while (wsCount(a.logs()) + wsCount(b.logs()) === before[0] + before[1]) {
            assert.ok(Date.now() < deadline, "the patient's socket reached an instance");
            await new Promise((r) => setTimeout(r, 50));
          }
          patientOn = wsCount(a.logs()) > before[0] ? 0 : 1;
          assert.equal(
            wsCount([a, b][patientOn].logs()),
            before[patientOn] + 1,
            "one patient socket",
          );
        }
        for (const page of [doctorPage, patientPage]) {
          await waitForStats(page, (s) => s.framesDecoded > 0 && s.audioEnergy > 0);
        }
        assert.notEqual(patientOn, doctorOn, "the two sockets are on different instances");
      });
    } finally {
      await (browser as Browser | null)?.close();
    }
  },
});
