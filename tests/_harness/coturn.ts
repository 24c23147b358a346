/**
 * Starts a real coturn (`/usr/bin/turnserver`, Debian) on loopback for the video call tests:
 * TURN REST API auth (`use-auth-secret` with `static-auth-secret`), plain UDP/TCP only (no TLS or
 * DTLS), relaying between loopback peers, on a free listening port and a relay port range of its
 * own, with its log in a temp directory (`logs()`), its pid file and user DB there too. Waits until
 * the TCP listener accepts; `stop()` ends it with SIGTERM.
 */
import { freePort } from "./ports.ts";

export interface Coturn {
  /** `turn:127.0.0.1:<port>` for UDP, and the same with `?transport=tcp`. */
  urls: string[];
  port: number;
  secret: string;
  logs(): Promise<string>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startCoturn(secret: string): Promise<Coturn> {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-coturn-" });
  const port = freePort();
  // A relay range of 100 ports picked away from the listener; coturn skips ports in use.
  const minPort = 40_000 + Math.floor(Math.random() * 200) * 100;
  const child = new Deno.Command("/usr/bin/turnserver", {
    args: [
      "-n",
      "--listening-ip=127.0.0.1",
      "--relay-ip=127.0.0.1",
      `--listening-port=${port}`,
      `--min-port=${minPort}`,
      `--max-port=${minPort + 99}`,
      "--use-auth-secret",
      `--static-auth-secret=${secret}`,
      "--realm=vaidya.test",
      "--allow-loopback-peers",
      "--no-tls",
      "--no-dtls",
      "--no-cli",
      "--fingerprint",
      "--simple-log",
      `--log-file=${dir}/turn.log`,
      `--pidfile=${dir}/turn.pid`,
      `--db=${dir}/turndb`,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const logs = () => Deno.readTextFile(`${dir}/turn.log`).catch(() => "");
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`coturn did not listen on ${port} within 10 s:\n${await logs()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    child.kill("SIGTERM");
    await child.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  return {
    urls: [`turn:127.0.0.1:${port}`, `turn:127.0.0.1:${port}?transport=tcp`],
    port,
    secret,
    logs,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
