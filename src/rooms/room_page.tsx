/**
 * The video room page, for the patient (/room/:id) and the doctor (/doctor/appointments/:id/video):
 * plain HTML with one same-origin stylesheet and script (src/rooms/static/), nothing inline, so
 * `script-src 'self'` holds. The script finds its settings in `data-*` attributes of #room; the
 * patient's access token arrives in the URL fragment, which browsers never send to a server.
 */
import type { RoomRole } from "./room_tokens.ts";

export interface RoomPageProps {
  appointmentId: string;
  role: RoomRole;
  /** Where the script asks for a room token (POST). */
  tokenUrl: string;
  /** The doctor UI's CSRF token (the doctor's token request is a session form post). */
  csrfToken?: string;
  backHref?: string;
}

/** Connections of the page: same origin only, WebSockets included. */
export const ROOM_PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join("; ");

export function RoomPage(p: RoomPageProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>Video consultation · Vaidya</title>
        <link rel="stylesheet" href="/room/static/room.css" />
        <script src="/room/static/room.js" defer></script>
      </head>
      <body>
        <main
          id="room"
          data-appointment-id={p.appointmentId}
          data-role={p.role}
          data-token-url={p.tokenUrl}
          data-csrf={p.csrfToken}
        >
          <h1>Video consultation</h1>
          <p id="room-status" role="status" aria-live="polite">Connecting…</p>
          <ol id="messages" aria-label="Messages" aria-live="polite"></ol>
          <form id="send-form" hidden>
            <label for="send-text">Message</label>
            <input id="send-text" name="text" maxlength={2000} autocomplete="off" />
            <button type="submit">Send</button>
          </form>
          {p.backHref && (
            <p>
              <a href={p.backHref}>Back to the appointment</a>
            </p>
          )}
        </main>
      </body>
    </html>
  );
}
