import type { Session, User } from "../../../core/src/db/schema.ts";
import type { RelaySession } from "../auth/relay-session.ts";

/** Who a request is from, once `requireUser` (auth/session.ts) has checked its session cookie. */
export type Authenticated = { user: User; session: Session; idleExpiresAt: number };

/** The Hono environment shared by every sub-app: the worker's bindings, and what middleware sets. */
export type AppEnv = {
  Bindings: Env;
  /** `relaySession` is set instead of `auth` on the dispatch path when the user's relay checks the session (auth/relay-session.ts). */
  Variables: { auth: Authenticated; relaySession?: RelaySession };
};
