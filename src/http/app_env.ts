/** The Hono environment of the app: what middleware puts on the context for handlers. */
import type { TokenUser } from "../auth/token_service.ts";

export interface AppEnv {
  Variables: {
    requestId: string;
    user: TokenUser;
    clientIp: string;
    /** The bearer token's verification, started once per request (see bearerUser). */
    bearer: Promise<TokenUser | null>;
  };
}
