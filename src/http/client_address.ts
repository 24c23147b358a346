/**
 * The client address of a request, which per-client limits key on. Behind a proxy the socket peer
 * is the proxy, so every client would share one budget; but a forwarding header is only as honest
 * as whoever wrote it. So only the one header named by TRUSTED_PROXY_HEADER is read (the one our
 * own proxy overwrites: Fly's `Fly-Client-IP`, nginx's `X-Real-IP`), and only when set; any other
 * forwarding header a client sends is ignored. For a list header (`X-Forwarded-For`) the last
 * entry is taken: the one our proxy appended, not the ones the client wrote before it.
 */
import { ipVersion } from "./ip_literal.ts";

/** Returns the function that turns a request and its socket peer address into the client address. */
export function clientAddress(
  trustedHeader: string | undefined,
): (req: Request, peer: string) => string {
  if (trustedHeader !== undefined && !/^[A-Za-z0-9-]+$/.test(trustedHeader)) {
    throw new TypeError(`clientAddress: "${trustedHeader}" is not an HTTP header name`);
  }
  return function clientAddressOf(req, peer) {
    if (!trustedHeader) return peer;
    const value = req.headers.get(trustedHeader);
    const last = value?.split(",").at(-1)?.trim() ?? "";
    return ipVersion(last) !== 0 ? last.toLowerCase() : peer;
  };
}
