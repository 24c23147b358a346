/**
 * Video rooms over HTTP and WebSocket against the real server process: who gets a room token
 * (its patient and its doctor; others 404, admins 403), when (409 `room_closed` early and late,
 * `not_online`, cancelled), and who the signalling socket admits at connect time (no token,
 * forged, an access token, another appointment's token, early, late and a third connection are
 * refused), plus the relay itself: notices, verbatim messages, bad and oversized messages.
 * The server's room clock runs ROOM_CLOCK_OFFSET_MS = 2 h ahead, so one booked slot near now is
 * "late" and one near now + 2 h is open. HMAC_SECRET is fixed so the test can sign room tokens
 * for rooms the API would refuse, to test the connect-time re-check.
 */
import assert from "node:assert/strict";
import { SignJWT } from "jose";
import { Api, createDoctor, randomPhone, type Session } from "../_harness/api.ts";
import { startServer } from "../_harness/server.ts";
import { createRoomTokens } from "../../src/rooms/room_tokens.ts";
import { bookAt, connectPeer, type RoomTicket } from "./_room_client.ts";

const OFFSET_MS = 2 * 3_600_000;
const HMAC_SECRET = btoa("v".repeat(48));
const ALL_DAY = { start: "00:00", end: "24:00" };

Deno.test({
  name: "video rooms: room tokens, connect-time admission and the signalling relay",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using server = await startServer({
      env: {
        RATE_LIMIT_DISABLED: "true",
        ROOM_CLOCK_OFFSET_MS: String(OFFSET_MS),
        HMAC_SECRET,
      },
    });
    const api = new Api(server.url);
    const wsBase = server.url.replace("http:", "ws:");
    const admin = await api.loginAdmin();
    const slot5 = { slotMinutes: 5, timezone: "UTC" };
    const doctor = await createDoctor(api, admin, slot5, ALL_DAY);
    const otherDoctor = await createDoctor(api, admin, slot5, ALL_DAY);
    const dr = await api.login(doctor.phone);
    const dr2 = await api.login(otherDoctor.phone);
    const alice = await api.login(randomPhone());
    const bob = await api.login(randomPhone());
    const roomNow = Date.now() + OFFSET_MS;

    const open = await bookAt(api, alice, doctor.id, roomNow, true);
    const bobs = await bookAt(api, bob, doctor.id, Date.parse(open.start) + 1, true);
    const inPerson = await bookAt(api, alice, otherDoctor.id, roomNow, false);
    const early = await bookAt(api, alice, doctor.id, roomNow + 86_400_000, true);
    const late = await bookAt(api, alice, doctor.id, Date.now() + 60_000, true);
    const cancelled = await bookAt(api, alice, otherDoctor.id, roomNow + 86_400_000, true);
    const tokenUrl = (id: string) => `/v1/appointments/${id}/room-token`;
    const ticket = async (s: Session, id: string) => {
      const res = await api.request<RoomTicket>("POST", tokenUrl(id), { token: s.accessToken });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body;
    };
    const wsUrl = (id: string, token?: string) =>
      `${wsBase}/v1/rooms/${id}/ws${token ? `?token=${encodeURIComponent(token)}` : ""}`;
    const httpRefusal = async (id: string, token?: string) => {
      const res = await api.request<{ code: string }>("GET", wsUrl(id, token).slice(wsBase.length));
      return `${res.status} ${res.body.code}`;
    };

    await t.step("the appointment view says online, in-person reads false", async () => {
      assert.equal(open.online, true);
      assert.equal(inPerson.online, false);
      const res = await api.request<{ online: boolean }>("GET", `/v1/appointments/${open.id}`, {
        token: dr.accessToken,
      });
      assert.equal(res.body.online, true);
    });

    await t.step("room tokens: patient and doctor only; outsiders 404, admin 403", async () => {
      const mine = await ticket(alice, open.id);
      assert.equal(mine.role, "patient");
      assert.ok(Date.parse(mine.expiresAt) - Date.now() <= 121_000, "lives at most 2 minutes");
      assert.equal((await ticket(dr, open.id)).role, "doctor");
      const status = async (s: Session | null) =>
        (await api.request("POST", tokenUrl(open.id), { token: s?.accessToken })).status;
      assert.equal(await status(bob), 404);
      assert.equal(await status(dr2), 404);
      assert.equal(await status(admin), 403);
      assert.equal(await status(null), 401);
    });

    await t.step("room tokens: early, late, in-person and cancelled are 409", async () => {
      const refusal = async (id: string, s: Session = alice) => {
        const res = await api.request<{ code: string; detail: string; opensAt?: string }>(
          "POST",
          tokenUrl(id),
          { token: s.accessToken },
        );
        assert.equal(res.status, 409, JSON.stringify(res.body));
        return res.body;
      };
      const tooEarly = await refusal(early.id);
      assert.equal(tooEarly.code, "room_closed");
      const opensAt = new Date(Date.parse(early.start) - 600_000).toISOString();
      assert.equal(tooEarly.opensAt, opensAt);
      assert.match(tooEarly.detail, new RegExp(`opens at ${opensAt}`));
      const tooLate = await refusal(late.id);
      assert.equal(tooLate.code, "room_closed");
      assert.match(tooLate.detail, /closed at/);
      assert.equal((await refusal(inPerson.id)).code, "not_online");
      const cancel = await api.request("POST", `/v1/appointments/${cancelled.id}/cancel`, {
        token: dr2.accessToken,
        body: {},
      });
      assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
      assert.equal((await refusal(cancelled.id)).code, "invalid_state");
    });

    await t.step("the socket refuses outsiders and forged tokens", async () => {
      const bobTicket = await ticket(bob, bobs.id);
      const forged = await new SignJWT({ apt: open.id, role: "patient" })
        .setProtectedHeader({ alg: "HS256" }).setSubject(alice.user.id).setIssuer(
          "https://vaidya.local",
        )
        .setAudience("vaidya-room").setExpirationTime("1m")
        .sign(crypto.getRandomValues(new Uint8Array(32)));
      const cases: [string, string | undefined, string][] = [
        ["no token", undefined, "401 unauthenticated"],
        ["forged token", forged, "401 unauthenticated"],
        ["an access token", alice.accessToken, "401 unauthenticated"],
        ["another patient's room token", bobTicket.token, "403 forbidden"],
      ];
      for (const [label, token, expected] of cases) {
        assert.equal(await httpRefusal(open.id, token), expected, label);
        assert.equal(await connectPeer(wsUrl(open.id, token)), null, `${label}: socket refused`);
      }
      // A valid token without a WebSocket upgrade takes no seat.
      assert.equal(
        await httpRefusal(open.id, (await ticket(alice, open.id)).token),
        "426 upgrade_required",
      );
    });

    await t.step(
      "the socket re-checks the window and the appointment at connect time",
      async () => {
        const tokens = await createRoomTokens(HMAC_SECRET, "https://vaidya.local");
        const sign = (appointmentId: string) =>
          tokens.sign({
            userId: alice.user.id,
            role: "patient",
            appointmentId,
            expiresAtMs: Date.now() + 60_000,
          }, Date.now());
        const sanity = await sign(open.id);
        assert.equal(
          await httpRefusal(open.id, sanity),
          "426 upgrade_required",
          "test-signed tokens are valid",
        );
        assert.equal(await httpRefusal(early.id, await sign(early.id)), "409 room_closed");
        assert.equal(await httpRefusal(late.id, await sign(late.id)), "409 room_closed");
        assert.equal(await httpRefusal(inPerson.id, await sign(inPerson.id)), "409 not_online");
        assert.equal(await connectPeer(wsUrl(early.id, await sign(early.id))), null);
        assert.equal(await connectPeer(wsUrl(late.id, await sign(late.id))), null);
      },
    );

    await t.step("two peers: notices, verbatim relay both ways, a third is refused", async () => {
      const patientTicket = await ticket(alice, open.id);
      assert.deepEqual(patientTicket.iceServers, [], "no TURN configured: host candidates only");
      const patient = await connectPeer(wsUrl(open.id, patientTicket.token));
      assert.ok(patient, "the patient connects");
      assert.deepEqual(await patient.next(), { type: "joined", role: "patient", peer: null });
      const doctorPeer = await connectPeer(wsUrl(open.id, (await ticket(dr, open.id)).token));
      assert.ok(doctorPeer, "the doctor connects");
      assert.deepEqual(await doctorPeer.next(), {
        type: "joined",
        role: "doctor",
        peer: "patient",
      });
      assert.deepEqual(await patient.next(), { type: "peer-joined", role: "doctor" });

      const offer = '{"type":"offer","sdp":"v=0\\r\\no=- 1 2 IN IP4 127.0.0.1", "extra":[1,2]}';
      doctorPeer.ws.send(offer);
      assert.equal(await patient.nextRaw(), offer, "relayed verbatim");
      patient.ws.send(JSON.stringify({ type: "answer", sdp: "v=0" }));
      assert.deepEqual(await doctorPeer.next(), { type: "answer", sdp: "v=0" });

      const third = (await ticket(alice, open.id)).token;
      assert.equal(await httpRefusal(open.id, third), "409 room_full");
      assert.equal(await connectPeer(wsUrl(open.id, third)), null, "third connection refused");

      for (const bad of ["not json", "[1,2]", '{"sdp":"no type"}', '{"type":"peer-left"}']) {
        patient.ws.send(bad);
        assert.equal((await patient.next()).code, "bad_message", bad);
      }
      patient.ws.send(JSON.stringify({ type: "ice", pad: "x".repeat(70 * 1024) }));
      assert.equal((await patient.closed).code, 1009, "oversized message closes the socket");
      assert.deepEqual(await doctorPeer.next(), { type: "peer-left", role: "patient" });
      assert.equal(
        await httpRefusal(open.id, patientTicket.token),
        "401 unauthenticated",
        "a room token admits one connection",
      );
      assert.equal(await connectPeer(wsUrl(open.id, patientTicket.token)), null);
      doctorPeer.ws.close();
      await doctorPeer.closed;
    });

    await t.step("the room page speaks the patient's language", async () => {
      const page = async (query: string, headers: Record<string, string> = {}) => {
        const res = await fetch(`${server.url}/room/${open.id}${query}`, { headers });
        assert.equal(res.status, 200);
        assert.equal(
          res.headers.get("content-security-policy")?.includes("script-src 'self'"),
          true,
        );
        return await res.text();
      };
      assert.match(await page(""), /<html lang="en">[\s\S]*Video consultation/);
      assert.match(await page("?lang=hi"), /<html lang="hi">[\s\S]*वीडियो परामर्श/);
      assert.match(await page("?lang=ta"), /<html lang="ta">[\s\S]*காணொலி ஆலோசனை/);
      assert.match(await page("", { "accept-language": "hi-IN,hi;q=0.9" }), /<html lang="hi">/);
      assert.doesNotMatch(await page(""), /<script>/, "no inline script");
      const me = await api.request("PUT", "/v1/me", {
        token: alice.accessToken,
        body: { language: "ta" },
      });
      assert.equal(me.status, 200, JSON.stringify(me.body));
      const tamil = await ticket(alice, open.id);
      assert.equal(tamil.language, "ta", "the ticket names the patient's language");
      assert.equal((await ticket(dr, open.id)).language, "ta", "the doctor's ticket too");
    });

    await t.step("room tokens never reach the logs", () => {
      const logs = server.logs();
      assert.match(logs, /"route":"\/v1\/rooms\/:appointmentId\/ws"/);
      assert.doesNotMatch(logs, /token=/);
      assert.doesNotMatch(logs, /eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    });
  },
});
