import type { Authenticated } from "../auth/session.ts";

/** The Hono environment shared by every sub-app: the worker's bindings, and what middleware sets. */
export type AppEnv = {
  Bindings: Env;
  Variables: { auth: Authenticated };
};
