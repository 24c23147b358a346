// Vaidya video room: asks for a room token, joins the signalling WebSocket, and connects the two
// peers with WebRTC: camera and microphone both ways, a data channel for chat and media state.
// The doctor offers (and restarts ICE after a network change); the patient answers. A weak link
// lowers the sent resolution, then sends audio only (room_quality.js). Settings and texts come
// from data-* attributes of #room; nothing here is inline.
import { createPlanner, linkFigures, planFor } from "./room_quality.js";

const root = document.getElementById("room");
const $ = (id) => document.getElementById(id);
const role = root.dataset.role;
const text = (name, params = {}) =>
  (root.dataset["t" + name.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase())] || name)
    .replace(/\{(\w+)\}/g, (whole, key) => (key in params ? String(params[key]) : whole));

const statusLine = $("room-status");
const note = $("media-note");
const list = $("messages");
const form = $("send-form");
const input = $("send-text");
const localVideo = $("local-video");
const remoteVideo = $("remote-video");
const muteButton = $("mute");
const cameraButton = $("camera");
const switchButton = $("switch-camera");

// The patient's access token comes in the fragment; drop it from the address bar at once.
let accessToken = null;
if (role === "patient") {
  const match = /(?:^|&)token=([^&]+)/.exec(location.hash.slice(1));
  if (match) accessToken = decodeURIComponent(match[1]);
  history.replaceState(null, "", location.pathname + location.search);
}

const setStatus = (name, params) => (statusLine.textContent = text(name, params));
function showNote(name) {
  note.hidden = !name;
  note.textContent = name ? text(name) : "";
}
function show(message, kind) {
  const item = document.createElement("li");
  item.className = kind;
  item.textContent = message;
  list.appendChild(item);
}

async function roomTicket() {
  const init = role === "doctor"
    ? {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: root.dataset.csrf || "" }),
    }
    : { method: "POST", headers: { authorization: "Bearer " + accessToken } };
  const res = await fetch(root.dataset.tokenUrl, init);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.detail || String(res.status));
  return body;
}

// ---- local media --------------------------------------------------------------------------
let localStream = new MediaStream();
let cameraIds = [];
const media = { audio: true, video: true, linkPlan: "full" };
const audioTrack = () => localStream.getAudioTracks()[0] || null;
const videoTrack = () => localStream.getVideoTracks()[0] || null;

async function openMedia() {
  try {
    localStream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: "user" },
    });
  } catch (err) {
    if (err && err.name === "NotAllowedError") {
      showNote("denied");
      return;
    }
    // No (usable) camera: join with the microphone alone.
    try {
      localStream = await navigator.mediaDevices.getUserMedia({ audio: true });
      showNote("audio-only");
    } catch {
      showNote("denied");
      return;
    }
  }
  localVideo.srcObject = localStream;
  const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
  cameraIds = devices.filter((d) => d.kind === "videoinput").map((d) => d.deviceId);
  switchButton.hidden = cameraIds.length < 2;
  cameraButton.disabled = !videoTrack();
  muteButton.disabled = !audioTrack();
}

// ---- peer connection ----------------------------------------------------------------------
let ticket = null;
let socket = null;
let peer = null;
let videoSender = null;
let channel = null;
let pendingIce = [];
// Which call the peer connection belongs to: the doctor numbers each new one and sends the number
// with the offer; the patient's answer and either side's ICE candidates carry the number of the
// call they are for, and what carries another call's is dropped. The hub may tell the doctor of
// one arrival twice (its "joined" answer and the patient's notice), so the doctor can offer twice;
// the first offer's answer must not land on the second connection. No number (a page of an older
// release on the other side) is taken as this call's.
let callId = 0;
const ofThisCall = (message) => message.id === undefined || message.id === callId;
let hungUp = false;
let restartTimer = null;
const signal = (message) => {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
};

function sendState() {
  if (channel && channel.readyState === "open") {
    channel.send(JSON.stringify({ kind: "state", audio: media.audio, video: media.video }));
  }
}

function attach(dc) {
  channel = dc;
  dc.onopen = () => {
    form.hidden = false;
    sendState();
  };
  dc.onmessage = (event) => {
    let message;
    try {
      message = JSON.parse(String(event.data));
    } catch {
      return;
    }
    if (message.kind === "chat" && typeof message.text === "string") show(message.text, "peer");
    if (message.kind === "state") {
      $("remote-muted").hidden = message.audio !== false;
      $("remote-camera-off").hidden = message.video !== false;
    }
  };
  dc.onclose = () => (form.hidden = true);
}

const CONNECTION_TEXT = {
  new: "connecting",
  connecting: "connecting",
  connected: "connected",
  disconnected: "reconnecting",
  failed: "reconnecting",
};

function newPeer() {
  closePeer();
  pendingIce = [];
  peer = new RTCPeerConnection({ iceServers: ticket.iceServers || [] });
  const forCall = callId;
  for (const track of localStream.getTracks()) {
    const sender = peer.addTrack(track, localStream);
    if (track.kind === "video") videoSender = sender;
  }
  // Receive both kinds even when this side sends nothing (no camera, microphone refused).
  if (!audioTrack()) peer.addTransceiver("audio", { direction: "recvonly" });
  if (!videoTrack()) peer.addTransceiver("video", { direction: "recvonly" });
  peer.onicecandidate = (event) => {
    if (event.candidate) signal({ type: "ice", candidate: event.candidate.toJSON(), id: forCall });
  };
  peer.ondatachannel = (event) => attach(event.channel);
  peer.ontrack = (event) => {
    if (remoteVideo.srcObject !== event.streams[0]) remoteVideo.srcObject = event.streams[0];
  };
  const current = peer;
  peer.onconnectionstatechange = () => {
    if (current !== peer) return;
    const state = peer.connectionState;
    if (CONNECTION_TEXT[state]) setStatus(CONNECTION_TEXT[state]);
    if (state === "connected") clearTimeout(restartTimer);
    if (state === "failed") restartIce();
    // A brief "disconnected" often heals by itself; restart if it does not.
    if (state === "disconnected") {
      clearTimeout(restartTimer);
      restartTimer = setTimeout(() => {
        if (current === peer && peer.connectionState !== "connected") restartIce();
      }, 3000);
    }
  };
}

function closePeer() {
  if (peer) peer.close();
  peer = null;
  videoSender = null;
  channel = null;
  form.hidden = true;
}

async function flushIce() {
  for (const candidate of pendingIce) await peer.addIceCandidate(candidate);
  pendingIce = [];
}

async function call() {
  callId += 1;
  newPeer();
  attach(peer.createDataChannel("chat"));
  await peer.setLocalDescription(await peer.createOffer());
  signal({ type: "offer", sdp: peer.localDescription.sdp, id: callId });
}

/** ICE restart after a network change: the doctor re-offers, the patient asks it to. */
async function restartIce() {
  if (!peer || hungUp) return;
  if (role !== "doctor") return signal({ type: "restart" });
  if (peer.signalingState !== "stable") return;
  peer.restartIce();
  await peer.setLocalDescription(await peer.createOffer({ iceRestart: true }));
  signal({ type: "offer", sdp: peer.localDescription.sdp, restart: true, id: callId });
}

async function handle(message) {
  switch (message.type) {
    case "joined":
      setStatus(message.peer ? "connecting" : "waiting");
      // The doctor's socket came back while the call lived: restart ICE on the same connection.
      if (role === "doctor" && message.peer) await (peer ? restartIce() : call());
      break;
    case "peer-joined":
      setStatus("connecting");
      if (role === "doctor") await call();
      break;
    case "peer-left":
      setStatus("left");
      closePeer();
      remoteVideo.srcObject = null;
      break;
    case "offer":
      if (role !== "patient") break;
      callId = message.id;
      if (!message.restart || !peer) newPeer();
      await peer.setRemoteDescription({ type: "offer", sdp: message.sdp });
      await peer.setLocalDescription(await peer.createAnswer());
      signal({ type: "answer", sdp: peer.localDescription.sdp, id: callId });
      await flushIce();
      break;
    case "answer":
      if (!peer || !ofThisCall(message) || peer.signalingState !== "have-local-offer") break;
      await peer.setRemoteDescription({ type: "answer", sdp: message.sdp });
      await flushIce();
      break;
    case "ice":
      if (!ofThisCall(message)) break;
      if (peer && peer.remoteDescription) await peer.addIceCandidate(message.candidate);
      else pendingIce.push(message.candidate);
      break;
    case "restart":
      if (role === "doctor") await restartIce();
      break;
    case "room-closed":
      hungUp = true;
      setStatus("closed");
      closePeer();
      break;
  }
}

/** A ticket's token admits one connection: fetch a new one unless this one is fresh and unused. */
async function freshTicket() {
  if (!ticket || ticket.spent || Date.parse(ticket.expiresAt) - Date.now() < 30_000) {
    ticket = await roomTicket();
  }
  ticket.spent = true;
  return ticket;
}

/** Shows the page in the patient's own language (the token goes back into the fragment). */
function inPatientLanguage() {
  if (!ticket.language || ticket.language === root.dataset.lang) return false;
  const query = new URLSearchParams(location.search);
  query.set("lang", ticket.language);
  location.replace(location.pathname + "?" + query + "#token=" + encodeURIComponent(accessToken));
  return true;
}

async function connect() {
  await freshTicket();
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(
    scheme + "//" + location.host + ticket.wsPath + "?token=" + encodeURIComponent(ticket.token),
  );
  // Messages are handled one at a time, in order: an ICE candidate must not overtake its offer.
  let queue = Promise.resolve();
  socket.onmessage = (event) => {
    queue = queue.then(() => handle(JSON.parse(event.data))).catch((err) => {
      show(String(err && err.message), "notice");
    });
  };
  socket.onopen = () => (reconnects = 0);
  socket.onclose = (event) => {
    if (hungUp || event.code === 4000) return;
    // The signalling socket dropped (a network change, an instance draining or crashed): come
    // back with a new token, keeping the call; media keeps flowing meanwhile. A crashed
    // instance's seat stays taken until its lease lapses (30 s), so keep trying for a minute.
    if (!peer || peer.connectionState !== "connected") setStatus("disconnected");
    reconnect();
  };
}

let reconnects = 0;
function reconnect() {
  if (hungUp || reconnects >= 20) return;
  reconnects += 1;
  setTimeout(() => connect().catch(reconnect), 3000);
}

// ---- controls -----------------------------------------------------------------------------
function toggle(kind) {
  const track = kind === "audio" ? audioTrack() : videoTrack();
  if (!track) return;
  media[kind] = !media[kind];
  track.enabled = media[kind];
  const button = kind === "audio" ? muteButton : cameraButton;
  button.setAttribute("aria-pressed", String(!media[kind]));
  button.textContent = kind === "audio"
    ? text(media.audio ? "mute" : "unmute")
    : text(media.video ? "camera-off" : "camera-on");
  sendState();
}

async function switchCamera() {
  const current = videoTrack();
  if (!current || cameraIds.length < 2) return;
  const at = cameraIds.indexOf(current.getSettings().deviceId);
  const deviceId = cameraIds[(at + 1) % cameraIds.length];
  const next =
    (await navigator.mediaDevices.getUserMedia({ video: { deviceId: { exact: deviceId } } }))
      .getVideoTracks()[0];
  next.enabled = media.video;
  if (videoSender && media.linkPlan !== "audio") await videoSender.replaceTrack(next);
  localStream.removeTrack(current);
  current.stop();
  localStream.addTrack(next);
  localVideo.srcObject = localStream;
}

function hangUp() {
  hungUp = true;
  closePeer();
  if (socket) socket.close(1000, "hung up");
  for (const track of localStream.getTracks()) track.stop();
  localVideo.srcObject = null;
  remoteVideo.srcObject = null;
  $("controls").hidden = true;
  setStatus("ended");
}

// ---- link quality -------------------------------------------------------------------------
const planner = createPlanner();
async function applyPlan(plan) {
  const track = videoTrack();
  const sender = videoSender;
  media.linkPlan = plan;
  showNote(plan === "audio" ? "poor-link" : plan === "low" ? "low-res" : null);
  if (!sender || !track) return;
  if (plan === "audio") return sender.replaceTrack(null);
  if (sender.track !== track) await sender.replaceTrack(track);
  const params = sender.getParameters();
  for (const encoding of params.encodings || []) {
    encoding.scaleResolutionDownBy = plan === "low" ? 2 : 1;
    encoding.maxBitrate = plan === "low" ? 300_000 : 1_500_000;
  }
  await sender.setParameters(params);
}
setInterval(async () => {
  if (!peer || peer.connectionState !== "connected" || !videoTrack()) return;
  const plan = planner.next(planFor(linkFigures(await peer.getStats())));
  if (plan) await applyPlan(plan).catch(() => {});
}, 2000);

// ---- start --------------------------------------------------------------------------------
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const message = input.value.trim();
  if (!message || !channel || channel.readyState !== "open") return;
  channel.send(JSON.stringify({ kind: "chat", text: message }));
  show(message, "mine");
  input.value = "";
});
muteButton.addEventListener("click", () => toggle("audio"));
cameraButton.addEventListener("click", () => toggle("video"));
switchButton.addEventListener("click", () => switchCamera().catch(() => {}));
$("hangup").addEventListener("click", hangUp);
// A new network (Wi-Fi to mobile data, back online): restart ICE rather than wait for failure.
addEventListener("online", () => restartIce().catch(() => {}));
if (navigator.connection) {
  navigator.connection.addEventListener("change", () => restartIce().catch(() => {}));
}

$("join").addEventListener("click", async () => {
  $("permission").hidden = true;
  setStatus("connecting");
  try {
    await openMedia();
    $("videos").hidden = false;
    $("controls").hidden = false;
    await connect();
  } catch (err) {
    setStatus("join-failed", { detail: err.message });
  }
});
if (role === "patient") {
  if (!accessToken) {
    $("join").disabled = true;
    setStatus("no-app");
  } else {
    // The ticket names the patient's language; switch to it before anything is asked.
    roomTicket().then((first) => {
      ticket = first;
      inPatientLanguage();
    }).catch((err) => setStatus("join-failed", { detail: err.message }));
  }
}
