/**
 * A login-code request to a real server or nginx sent from a chosen loopback address: curl can
 * bind 127.0.0.2, 127.0.0.3, ..., so one machine plays several socket peers (clients, or a client
 * that goes around the proxy). Tests of per-client limits use it.
 */
import { randomPhone } from "./api.ts";

/** Status of `POST /v1/auth/otp` (a fresh phone) to `url` from `from`, with extra `headers`. */
export async function codeRequestFrom(
  url: string,
  from: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const args = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--interface", from];
  for (const [name, value] of Object.entries({ "content-type": "application/json", ...headers })) {
    args.push("-H", `${name}: ${value}`);
  }
  args.push("-d", JSON.stringify({ phone: randomPhone() }), `${url}/v1/auth/otp`);
  const out = await new Deno.Command("curl", { args }).output();
  return new TextDecoder().decode(out.stdout);
}
