/**
 * The typed Vaidya client: openapi-fetch over the types that `deno task client:gen` generates
 * from the served /openapi.json (clients/vaidya_api.ts). Paths, parameters, bodies and answers
 * are checked by the compiler against the document.
 */
import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { components, paths } from "./vaidya_api.ts";

export type { components, paths };
export type VaidyaClient = Client<paths>;

/**
 * A client for the API at `baseUrl`, sending `Authorization: Bearer <token>` when given. `fetch`
 * and `Request` replace the globals the client sends through (the load generator's loopback
 * transport, scripts/load/loopback_fetch.ts).
 */
export function createVaidyaClient(
  baseUrl: string,
  options: Pick<ClientOptions, "fetch" | "Request"> & { token?: string } = {},
): VaidyaClient {
  return createClient<paths>({
    baseUrl,
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.Request ? { Request: options.Request } : {}),
  });
}
