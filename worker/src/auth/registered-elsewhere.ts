import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { openDb, schema } from "../../../core/src/db/index.ts";
import type { AppEnv } from "../http/types.ts";
import { relayFor } from "../relay/stub.ts";
import { describeAgent } from "./describe-agent.ts";

/**
 * Someone tried to create an account with an email that has one. The answer to them says nothing of it, so the
 * owner hears instead: an in-app notification (no mail server is assumed; with one, this is where its mail goes).
 */
export async function tellOwnerOfRegistration(c: Context<AppEnv>, email: string): Promise<void> {
  const owner = await openDb(c.env.DB).select({ id: schema.users.id }).from(schema.users).where(eq(schema.users.email, email)).get();
  if (!owner) return;
  const userAgent = c.req.header("user-agent");
  c.executionCtx.waitUntil(
    relayFor(c.env, owner.id).notify({
      draft: {
        kind: "new_sign_in",
        title: "Someone tried to create an account with your email",
        body: `Someone tried to sign up with this account's email${userAgent ? ` (${describeAgent(userAgent)})` : ""}. Nobody was signed in. If it was you, sign in instead; if not, you need do nothing.`,
        source: null,
        link: null,
      },
    }),
  );
}
