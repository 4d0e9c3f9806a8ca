import { and, eq, gt, isNull, ne } from "drizzle-orm";
import type { Context } from "hono";
import type { ChangeEmailResponse } from "#protocol";
import { hashToken, newToken } from "../auth/tokens.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { webhookEnv } from "../../../core/src/notifications/webhooks/env.ts";
import { sendMail } from "./mail.ts";

const { emailChanges, users } = schema;

/** How long the confirmation link works. */
export const EMAIL_LINK_TTL_MS = 24 * 60 * 60_000;

/** The app's address for links in mail: PUBLIC_URL when set, else the origin the request came to. */
function appOrigin(c: Context<AppEnv>): string {
  const configured = webhookEnv(c.env).PUBLIC_URL;
  return new URL(configured ?? c.req.url).origin;
}

/**
 * Starts an email change: a single-use link goes to the new address and a notice to the old one. The account's
 * email stays as it is until the link is opened. A newer request replaces any older unconfirmed one.
 */
export async function requestEmailChange(c: Context<AppEnv>, user: { id: string; email: string }, newEmail: string): Promise<ChangeEmailResponse> {
  if (newEmail === user.email) throw new ApiError(400, "validation_failed", "That is already your email address.", { field: "new_email" });
  const db = openDb(c.env.DB);
  const taken = await db.select({ id: users.id }).from(users).where(and(eq(users.email, newEmail), ne(users.id, user.id))).get();
  const now = Date.now();
  const expiresAt = now + EMAIL_LINK_TTL_MS;
  if (taken) {
    // The same answer as for a free address, so this cannot tell whether an email has an account (as sign-up
    // answers); the address's owner is told instead, and no link exists to open.
    await sendMail(c.env, {
      to: newEmail,
      subject: "Someone asked to move a Hearth account to this address",
      text: `Someone signed in to another Hearth account asked to change its email to ${newEmail}, which already has an account. Nothing was changed. If it was you, delete or rename one of the two accounts first.`,
    }).catch((error: unknown) => console.error("account: the notice to the taken address failed", error));
    return { sent_to: newEmail, expires_at: expiresAt };
  }

  const token = newToken();
  await db.batch([
    db.delete(emailChanges).where(and(eq(emailChanges.userId, user.id), isNull(emailChanges.usedAt))),
    db.insert(emailChanges).values({ tokenHash: await hashToken(token), userId: user.id, newEmail, createdAt: now, expiresAt }),
  ]);
  // The token rides in the #fragment, so it never reaches a server's request log; the page POSTs it.
  const link = `${appOrigin(c)}/confirm-email#${token}`;
  try {
    await sendMail(c.env, {
      to: newEmail,
      subject: "Confirm your new Hearth email address",
      text: `Open this link within 24 hours to make ${newEmail} the email of your Hearth account:\n\n${link}\n\nIf you did not ask for this, ignore this message.`,
    });
  } catch (error) {
    console.error("account: the confirmation mail could not be sent", error);
    throw new ApiError(502, "internal", "The confirmation email could not be sent just now. Try again in a few minutes.");
  }
  c.executionCtx.waitUntil(
    sendMail(c.env, {
      to: user.email,
      subject: "Your Hearth email address is about to change",
      text: `Someone signed in to your Hearth account asked to change its email to ${newEmail}. Nothing changes until that address confirms. If it was not you, change your password and sign out the other sessions in Settings → Account.`,
    }).catch((error: unknown) => console.error("account: the notice to the old address failed", error)),
  );
  return { sent_to: newEmail, expires_at: expiresAt };
}

/** Opens a confirmation link: spends it (once, before it expires) and changes the email. Returns the new address. */
export async function confirmEmailChange(c: Context<AppEnv>, token: string): Promise<string> {
  const db = openDb(c.env.DB);
  const now = Date.now();
  const [spent] = await db
    .update(emailChanges)
    .set({ usedAt: now })
    .where(and(eq(emailChanges.tokenHash, await hashToken(token)), isNull(emailChanges.usedAt), gt(emailChanges.expiresAt, now)))
    .returning();
  if (!spent) {
    throw new ApiError(400, "expired_token", "This link has expired or was already used. Ask for a new one in Settings → Account.");
  }
  const old = await db.select({ email: users.email }).from(users).where(eq(users.id, spent.userId)).get();
  const taken = await db.select({ id: users.id }).from(users).where(and(eq(users.email, spent.newEmail), ne(users.id, spent.userId))).get();
  if (taken) throw new ApiError(409, "conflict", "Another account took that email address meanwhile. Ask for a change to a different one.");
  const changed = await db.update(users).set({ email: spent.newEmail }).where(eq(users.id, spent.userId)).returning({ id: users.id });
  if (changed.length === 0) throw new ApiError(400, "expired_token", "This link belongs to an account that no longer exists.");
  if (old) {
    c.executionCtx.waitUntil(
      sendMail(c.env, {
        to: old.email,
        subject: "Your Hearth email address was changed",
        text: `The email of your Hearth account is now ${spent.newEmail}. If that was not you, sign in with ${spent.newEmail} and your password at once: change the email back, change your password and sign out the other sessions in Settings → Account.`,
      }).catch((error: unknown) => console.error("account: the notice to the old address failed", error)),
    );
  }
  return spent.newEmail;
}
