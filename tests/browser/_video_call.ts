/**
 * Helpers of the video call tests: Chromium with fake camera and microphone, an init script that
 * keeps every RTCPeerConnection a page makes (and can force `iceTransportPolicy: "relay"`, as a
 * phone behind a carrier NAT would need), and readers of what the page receives, from getStats()
 * and from the remote <video> pixels. The init script runs through CDP, so the page's CSP holds.
 */
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { eventually } from "../_harness/eventually.ts";

export function launchCallBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      "--autoplay-policy=no-user-gesture-required",
      // Peers on 127.0.0.1 with plain host candidates: no mDNS names, loopback allowed.
      "--allow-loopback-in-peer-connection",
      "--disable-features=WebRtcHideLocalIpsWithMdns",
    ],
  });
}

/**
 * Page-side code, as source text: Deno type-checks without the DOM library, and what runs in the
 * page is plain browser JavaScript anyway.
 */
const WATCH_PEER_CONNECTIONS = `(relayOnly) => {
  const Native = window.RTCPeerConnection;
  const pcs = (window.__pcs = []);
  function Watched(config) {
    const pc = new Native(relayOnly ? { ...config, iceTransportPolicy: "relay" } : config);
    pcs.push(pc);
    return pc;
  }
  Watched.prototype = Native.prototype;
  window.RTCPeerConnection = Watched;
}`;

const CALL_STATS = `async () => {
  const pc = (window.__pcs || []).at(-1);
  if (!pc) return null;
  const stats = new Map();
  (await pc.getStats()).forEach((s) => stats.set(s.id, s));
  let framesDecoded = 0;
  let audioEnergy = 0;
  let pair = null;
  for (const s of stats.values()) {
    if (s.type === "inbound-rtp" && s.kind === "video") framesDecoded += s.framesDecoded ?? 0;
    if (s.type === "inbound-rtp" && s.kind === "audio") audioEnergy += s.totalAudioEnergy ?? 0;
    if (s.type === "transport" && s.selectedCandidatePairId) {
      const selected = stats.get(s.selectedCandidatePairId);
      const local = selected && stats.get(selected.localCandidateId);
      const remote = selected && stats.get(selected.remoteCandidateId);
      if (local && remote) pair = [local.candidateType, remote.candidateType];
    }
  }
  return { state: pc.connectionState, framesDecoded, audioEnergy, pair };
}`;

const REMOTE_BRIGHTNESS = `() => {
  const video = document.getElementById("remote-video");
  const canvas = document.createElement("canvas");
  canvas.width = 64;
  canvas.height = 36;
  const g = canvas.getContext("2d");
  g.drawImage(video, 0, 0, 64, 36);
  const data = g.getImageData(0, 0, 64, 36).data;
  let sum = 0;
  for (let i = 0; i < data.length; i += 4) sum += (data[i] + data[i + 1] + data[i + 2]) / 3;
  return sum / (data.length / 4);
}`;

const GATHER_RELAY = `async (server) => {
  const pc = new RTCPeerConnection({ iceServers: [server], iceTransportPolicy: "relay" });
  const errors = [];
  let relays = 0;
  pc.onicecandidateerror = (e) => errors.push(e.errorCode);
  pc.onicecandidate = (e) => {
    if (e.candidate && e.candidate.type === "relay") relays++;
  };
  pc.createDataChannel("probe");
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 8000);
    pc.onicegatheringstatechange = () => {
      if (pc.iceGatheringState === "complete") {
        clearTimeout(timer);
        resolve();
      }
    };
  });
  pc.close();
  return { relays, errors };
}`;

/** The ICE username fragment of the page's last peer connection (changes on an ICE restart). */
const ICE_UFRAG = `() => {
  const pc = (window.__pcs || []).at(-1);
  const sdp = (pc && pc.localDescription && pc.localDescription.sdp) || "";
  const match = /a=ice-ufrag:(\\S+)/.exec(sdp);
  return match ? match[1] : null;
}`;

const run = <T>(page: Page, source: string, arg?: unknown): Promise<T> =>
  page.evaluate(`(${source})(${arg === undefined ? "" : JSON.stringify(arg)})`) as Promise<T>;

/** A context whose pages record their peer connections; `relayOnly` forces TURN relay. */
export async function callContext(
  browser: Browser,
  options: {
    relayOnly?: boolean;
    storageState?: Awaited<ReturnType<BrowserContext["storageState"]>>;
  } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({ storageState: options.storageState });
  await context.addInitScript(`(${WATCH_PEER_CONNECTIONS})(${options.relayOnly ?? false})`);
  return context;
}

export interface CallStats {
  state: string;
  framesDecoded: number;
  audioEnergy: number;
  /** Candidate types of the selected pair, local then remote. */
  pair: [string, string] | null;
}

/** What the page's last peer connection receives. */
export function callStats(page: Page): Promise<CallStats | null> {
  return run(page, CALL_STATS);
}

export function iceUfrag(page: Page): Promise<string | null> {
  return run(page, ICE_UFRAG);
}

/** Tells the page the network came back, as the browser does after switching networks. */
export function simulateNetworkChange(page: Page): Promise<void> {
  return run(page, `() => { window.dispatchEvent(new Event("online")); }`);
}

/** Polls callStats() until `done` holds (at most `timeoutMs`), and returns the last stats. */
export async function waitForStats(
  page: Page,
  done: (s: CallStats) => boolean,
  timeoutMs = 20_000,
): Promise<CallStats> {
  let last: CallStats | null = null;
  return await eventually(
    () => `call stats to satisfy the check (last: ${JSON.stringify(last)})`,
    async () => {
      last = await callStats(page);
      return last && done(last) ? last : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

/** Mean brightness (0–255) of the remote <video>, drawn into a small canvas. */
export function remoteBrightness(page: Page): Promise<number> {
  return run(page, REMOTE_BRIGHTNESS);
}

/** Audio energy received over `ms` (0 when the other side sends silence). */
export async function audioEnergyOver(page: Page, ms: number): Promise<number> {
  const before = (await callStats(page))!.audioEnergy;
  await new Promise((r) => setTimeout(r, ms));
  return (await callStats(page))!.audioEnergy - before;
}

/**
 * Gathers ICE candidates with only the given TURN server and relay policy: the relay candidates
 * coturn granted, and the error codes of refused allocations (401 for bad credentials).
 */
export function gatherRelay(
  page: Page,
  server: { urls: string[]; username: string; credential: string },
): Promise<{ relays: number; errors: number[] }> {
  return run(page, GATHER_RELAY, server);
}
