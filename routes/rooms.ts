/**
 * Video rooms over the API: `POST /v1/appointments/{id}/room-token` gives the appointment's
 * patient or doctor a short-lived room token while the room is open, and
 * `GET /v1/rooms/:appointmentId/ws?token=` is the WebRTC signalling WebSocket. Every admission
 * check (token, appointment, window, free seat) runs before the upgrade, so a refusal is a plain
 * problem response. The access log records the route pattern only, never the query, so the
 * room token in the URL is not logged.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { upgradeWebSocket } from "hono/deno";
import type { AppDeps } from "../src/app_deps.ts";
import { AppError, NotFoundError, UnauthenticatedError } from "../src/errors.ts";
import { authenticate, authorize } from "../src/http/auth_middleware.ts";
import { IdParam } from "../src/http/schemas.ts";
import type { RoomService } from "../src/rooms/room_service.ts";
import { bearer, jsonResponse, problems, router } from "./_openapi.ts";

export const RoomTicketSchema = z.object({
  token: z.string().openapi({ description: "Room token (JWT, audience vaidya-room)" }),
  expiresAt: z.string().openapi({ description: "At most 2 minutes ahead, never past closesAt" }),
  appointmentId: z.string(),
  role: z.enum(["patient", "doctor"]),
  opensAt: z.string(),
  closesAt: z.string(),
  wsPath: z.string().openapi({
    description: "Connect a WebSocket here with ?token=<token>; a token admits one connection",
  }),
  iceServers: z.array(z.object({
    urls: z.array(z.string()),
    username: z.string().optional(),
    credential: z.string().optional(),
  })).openapi({
    description: "For RTCPeerConnection: STUN/TURN servers, TURN with credentials valid for " +
      "TURN_TTL_SECONDS (TURN REST API). Empty when none is configured (host candidates only).",
  }),
  language: z.string().optional().openapi({
    description: "The patient's language (the patient's room page switches to it)",
  }),
}).openapi("RoomTicket");

const APPOINTMENT_ID = /^[\w-]{1,64}$/;
/** A connection that stops answering pings is dropped after this many seconds, freeing its seat. */
const IDLE_TIMEOUT_SECONDS = 30;

export function roomRoutes(deps: AppDeps & { rooms: RoomService }) {
  const app = router();
  const { rooms } = deps;

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/appointments/{id}/room-token",
      tags: ["appointments"],
      summary: "A short-lived token to join the video room (its patient or its doctor)",
      description: "The room of an online appointment is open from 10 minutes before the start " +
        "until 30 minutes after the end. 409 `room_closed` (with `opensAt`, `closesAt`) outside " +
        "that window, `not_online` for an in-person visit, `invalid_state` when cancelled.",
      security: bearer,
      middleware: [authenticate(deps.tokens), authorize("rooms.join")] as const,
      request: { params: IdParam },
      responses: {
        201: jsonResponse(RoomTicketSchema, "A room token"),
        401: problems[401],
        403: problems[403],
        404: problems[404],
        409: problems[409],
      },
    }),
    async (c) => c.json(await rooms.issueToken(c.get("user"), c.req.valid("param").id), 201),
  );

  // Not in the OpenAPI document: OpenAPI cannot describe a WebSocket (see README).
  app.get("/v1/rooms/:appointmentId/ws", async (c) => {
    const appointmentId = c.req.param("appointmentId");
    if (!APPOINTMENT_ID.test(appointmentId)) {
      throw new NotFoundError(`Appointment ${appointmentId} does not exist`);
    }
    const token = c.req.query("token");
    if (!token) {
      throw new UnauthenticatedError(
        "Connect with ?token= from POST /v1/appointments/{id}/room-token",
      );
    }
    const admission = await rooms.admit(appointmentId, token);
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new AppError(426, "upgrade_required", "Upgrade required", "Connect with a WebSocket", {
        headers: { Upgrade: "websocket", Connection: "Upgrade" },
      });
    }
    const seat = await rooms.take(admission);
    try {
      return await upgradeWebSocket(c, {
        onOpen: (_event, ws) => seat.open(ws),
        onMessage: (event) => seat.receive(event.data),
        onClose: () => seat.leave(),
        onError: () => seat.leave(),
      }, { idleTimeout: IDLE_TIMEOUT_SECONDS });
    } catch (err) {
      seat.leave();
      throw err;
    }
  });

  return app;
}
