// Vaidya video room: asks for a room token, joins the signalling WebSocket, and connects the
// two peers with WebRTC (no STUN/TURN: iceServers is empty). The doctor makes the data channel
// and the offer when both are in; the patient answers. Received data-channel messages show in
// #messages. Settings come from data-* attributes of #room; nothing here is inline.
"use strict";
(function () {
  const root = document.getElementById("room");
  const statusLine = document.getElementById("room-status");
  const list = document.getElementById("messages");
  const form = document.getElementById("send-form");
  const input = document.getElementById("send-text");
  if (!root) return;
  const role = root.dataset.role;
  const tokenUrl = root.dataset.tokenUrl;

  // The patient's access token comes in the fragment; drop it from the address bar at once.
  let accessToken = null;
  if (role === "patient") {
    const match = /(?:^|&)token=([^&]+)/.exec(location.hash.slice(1));
    if (match) accessToken = decodeURIComponent(match[1]);
    history.replaceState(null, "", location.pathname + location.search);
  }

  function setStatus(text) {
    statusLine.textContent = text;
  }
  function show(text, kind) {
    const item = document.createElement("li");
    item.className = kind;
    item.textContent = text;
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
    const res = await fetch(tokenUrl, init);
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.detail || "could not join (" + res.status + ")");
    return body;
  }

  let socket = null;
  let peer = null;
  let channel = null;
  let pendingIce = [];
  const signal = (message) => socket.send(JSON.stringify(message));

  function attach(dc) {
    channel = dc;
    dc.onopen = () => {
      setStatus("Connected");
      form.hidden = false;
    };
    dc.onmessage = (event) => show(String(event.data), "peer");
    dc.onclose = () => {
      form.hidden = true;
    };
  }

  function newPeer() {
    if (peer) peer.close();
    pendingIce = [];
    peer = new RTCPeerConnection({ iceServers: [] });
    peer.onicecandidate = (event) => {
      if (event.candidate) signal({ type: "ice", candidate: event.candidate.toJSON() });
    };
    peer.ondatachannel = (event) => attach(event.channel);
  }

  async function flushIce() {
    for (const candidate of pendingIce) await peer.addIceCandidate(candidate);
    pendingIce = [];
  }

  async function call() {
    newPeer();
    attach(peer.createDataChannel("chat"));
    await peer.setLocalDescription(await peer.createOffer());
    signal({ type: "offer", sdp: peer.localDescription.sdp });
  }

  async function handle(message) {
    switch (message.type) {
      case "joined":
        setStatus(message.peer ? "Connecting to the other side…" : "Waiting for the other side…");
        if (role === "doctor" && message.peer) await call();
        break;
      case "peer-joined":
        setStatus("Connecting to the other side…");
        if (role === "doctor") await call();
        break;
      case "peer-left":
        setStatus("The other side left; waiting…");
        form.hidden = true;
        if (peer) peer.close();
        peer = null;
        channel = null;
        break;
      case "offer":
        if (role !== "patient") break;
        newPeer();
        await peer.setRemoteDescription({ type: "offer", sdp: message.sdp });
        await peer.setLocalDescription(await peer.createAnswer());
        signal({ type: "answer", sdp: peer.localDescription.sdp });
        await flushIce();
        break;
      case "answer":
        if (!peer) break;
        await peer.setRemoteDescription({ type: "answer", sdp: message.sdp });
        await flushIce();
        break;
      case "ice":
        if (peer && peer.remoteDescription) await peer.addIceCandidate(message.candidate);
        else pendingIce.push(message.candidate);
        break;
      case "room-closed":
        setStatus("The room has closed.");
        break;
    }
  }

  async function join() {
    if (role === "patient" && !accessToken) {
      setStatus("Open this page from the Vaidya app to join.");
      return;
    }
    const ticket = await roomTicket();
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const url = scheme + "//" + location.host + ticket.wsPath + "?token=" +
      encodeURIComponent(ticket.token);
    socket = new WebSocket(url);
    // Messages are handled one at a time, in order: an ICE candidate must not overtake its offer.
    let queue = Promise.resolve();
    socket.onmessage = (event) => {
      queue = queue.then(() => handle(JSON.parse(event.data))).catch((err) => {
        show("Connection problem: " + err.message, "notice");
      });
    };
    socket.onclose = () => {
      if (!channel || channel.readyState !== "open") setStatus("Disconnected from the room.");
    };
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || !channel || channel.readyState !== "open") return;
    channel.send(text);
    show(text, "mine");
    input.value = "";
  });

  join().catch((err) => setStatus("Could not join: " + err.message));
})();
