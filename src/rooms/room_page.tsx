/**
 * The video room page, for the patient (/room/:id) and the doctor (/doctor/appointments/:id/video):
 * local and remote video, call controls, the connection state and the text chat, in the page's
 * language from the patient pages' catalogue (src/i18n/book/, the eight patient languages; the
 * doctor UI's two are among them). Plain HTML with one same-origin
 * stylesheet and module script (src/rooms/static/), nothing inline, so `script-src 'self'` holds.
 * The script finds its settings and its texts in `data-*` attributes of #room; the patient's access
 * token arrives in the URL fragment, which browsers never send to a server.
 */
import { type BookLang, type BookMessageId, bt } from "../i18n/book_messages.ts";
import type { RoomRole } from "./room_tokens.ts";

export interface RoomPageProps {
  appointmentId: string;
  role: RoomRole;
  lang: BookLang;
  /** Where the script asks for a room token (POST). */
  tokenUrl: string;
  /** The doctor UI's CSRF token (the doctor's token request is a session form post). */
  csrfToken?: string;
  backHref?: string;
}

/** Texts the script shows, as `data-t-<name>` attributes of #room. */
const SCRIPT_TEXTS: Record<string, BookMessageId> = {
  mute: "room.mute",
  unmute: "room.unmute",
  "camera-off": "room.cameraOff",
  "camera-on": "room.cameraOn",
  connecting: "room.status.connecting",
  waiting: "room.status.waiting",
  connected: "room.status.connected",
  reconnecting: "room.status.reconnecting",
  left: "room.status.left",
  closed: "room.status.closed",
  ended: "room.status.ended",
  disconnected: "room.status.disconnected",
  "no-app": "room.status.noApp",
  "join-failed": "room.status.joinFailed",
  "audio-only": "room.audioOnly",
  denied: "room.denied",
  "poor-link": "room.poorLink",
  "low-res": "room.lowRes",
};

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
  const texts = Object.fromEntries(
    Object.entries(SCRIPT_TEXTS).map(([name, id]) => [`data-t-${name}`, bt(p.lang, id)]),
  );
  return (
    <html lang={p.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{bt(p.lang, "room.title")} · Vaidya</title>
        <link rel="stylesheet" href="/room-static/room.css" />
        <script type="module" src="/room-static/room.js"></script>
      </head>
      <body>
        <main
          id="room"
          data-appointment-id={p.appointmentId}
          data-role={p.role}
          data-lang={p.lang}
          data-token-url={p.tokenUrl}
          data-csrf={p.csrfToken}
          {...texts}
        >
          <h1>{bt(p.lang, "room.title")}</h1>
          <section id="permission">
            <p>{bt(p.lang, "room.permission")}</p>
            <button type="button" id="join">{bt(p.lang, "room.join")}</button>
          </section>
          <p id="room-status" role="status" aria-live="polite"></p>
          <p id="media-note" role="status" aria-live="polite" hidden></p>
          <div id="videos" hidden>
            <figure class="remote">
              <video id="remote-video" autoplay playsinline></video>
              <figcaption>
                {bt(p.lang, "room.remoteVideo")}
                <span id="remote-muted" class="badge" hidden>{bt(p.lang, "room.remoteMuted")}</span>
                <span id="remote-camera-off" class="badge" hidden>
                  {bt(p.lang, "room.remoteCameraOff")}
                </span>
              </figcaption>
            </figure>
            <figure class="local">
              <video id="local-video" autoplay playsinline muted></video>
              <figcaption>{bt(p.lang, "room.localVideo")}</figcaption>
            </figure>
          </div>
          <div id="controls" hidden>
            <button type="button" id="mute" aria-pressed="false">{bt(p.lang, "room.mute")}</button>
            <button type="button" id="camera" aria-pressed="false">
              {bt(p.lang, "room.cameraOff")}
            </button>
            <button type="button" id="switch-camera" hidden>
              {bt(p.lang, "room.switchCamera")}
            </button>
            <button type="button" id="hangup" class="danger">{bt(p.lang, "room.hangUp")}</button>
          </div>
          <section aria-labelledby="chat-title">
            <h2 id="chat-title">{bt(p.lang, "room.chat")}</h2>
            <ol id="messages" aria-live="polite"></ol>
            <form id="send-form" hidden>
              <label for="send-text">{bt(p.lang, "room.message")}</label>
              <input id="send-text" name="text" maxlength={2000} autocomplete="off" />
              <button type="submit">{bt(p.lang, "room.send")}</button>
            </form>
          </section>
          {p.backHref && (
            <p>
              <a href={p.backHref}>{bt(p.lang, "room.back")}</a>
            </p>
          )}
        </main>
      </body>
    </html>
  );
}
