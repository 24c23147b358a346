/** The Hono environment of the app: what middleware puts on the context for handlers. */
import type { AuthUser } from "../auth/token_service.ts";

export interface AppEnv {
  Variables: {
    requestId: string;
    user: AuthUser;
    clientIp: string;
  };
}
