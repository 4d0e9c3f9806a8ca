import { eq } from "drizzle-orm";
import { Hono } from "hono";
import type { Context } from "hono";
import { ChangeEmailRequest, ChangePasswordRequest, ConfirmEmailRequest, DeleteAccountRequest } from "#protocol";
import type { KnownBrowserView, SessionView } from "#protocol";
import { forgetBrowser, listBrowsers } from "../auth/browsers.ts";
import { attemptFailed, attemptSucceeded, reserveAttempt, signInChecks } from "../auth/lockout.ts";
import { hashPassword, verifyPassword } from "../auth/password.ts";
import { endOtherSessions, endSession, endSessionById, listSessions, requireUser } from "../auth/session.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import { clientAddress } from "../http/client-ip.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { jsonBody } from "../http/validate.ts";
import { deleteAccount } from "./delete-account.ts";
import { confirmEmailChange, requestEmailChange } from "./email-change.ts";
import { buildExport } from "./export.ts";

/**
 * Checks the signed-in user's current password before a change to the account. Wrong guesses count toward the
 * sign-in lockout of the account's email, so a stolen session cannot try passwords here without limit.
 */
async function checkCurrentPassword(c: Context<AppEnv>, password: string): Promise<void> {
  const db = openDb(c.env.DB);
  const { user } = c.get("auth");
  const attempt = await reserveAttempt(db, signInChecks(user.email, clientAddress(c.req.raw)));
  if (!(await verifyPassword(password, user.passwordHash))) {
    await attemptFailed(db, attempt);
    throw new ApiError(403, "invalid_credentials", "That is not your current password. Check it and try again.", { field: "current_password" });
  }
  await attemptSucceeded(db, attempt);
}

const sessionGone = () => new ApiError(404, "not_found", "There is no such session. It may have ended already; reload the list.");

/** /api/account: Settings → Account (password, email, sessions, known browsers) and "Your data" (export, delete). */
export const accountApi = new Hono<AppEnv>()
  .post("/email/confirm", jsonBody(ConfirmEmailRequest), async (c) => {
    // No session needed: the link itself proves the new address, wherever it is opened.
    const email = await confirmEmailChange(c, c.req.valid("json").token);
    return c.json({ email }, 200);
  })

  .use(requireUser)

  .post("/password", jsonBody(ChangePasswordRequest), async (c) => {
    const body = c.req.valid("json");
    await checkCurrentPassword(c, body.current_password);
    const { user, session } = c.get("auth");
    await openDb(c.env.DB).update(schema.users).set({ passwordHash: await hashPassword(body.new_password) }).where(eq(schema.users.id, user.id));
    // Whoever else knew the old password is signed out; this browser stays in.
    const ended = await endOtherSessions(c, user.id, session.id);
    return c.json({ ended_sessions: ended }, 200);
  })

  .post("/email", jsonBody(ChangeEmailRequest), async (c) => {
    const body = c.req.valid("json");
    await checkCurrentPassword(c, body.current_password);
    return c.json(await requestEmailChange(c, c.get("auth").user, body.new_email), 202);
  })

  .get("/sessions", async (c) => {
    const { user, session } = c.get("auth");
    const sessions: SessionView[] = await listSessions(c, user.id, session.id);
    return c.json({ sessions }, 200);
  })

  .delete("/sessions/:id", async (c) => {
    const { user, session } = c.get("auth");
    const id = c.req.param("id");
    if (id === session.id) {
      await endSession(c);
      return c.json({ ended: 1 }, 200);
    }
    if (!(await endSessionById(c, user.id, id))) throw sessionGone();
    return c.json({ ended: 1 }, 200);
  })

  .delete("/sessions", async (c) => {
    const { user, session } = c.get("auth");
    return c.json({ ended: await endOtherSessions(c, user.id, session.id) }, 200);
  })

  .get("/browsers", async (c) => {
    const browsers: KnownBrowserView[] = await listBrowsers(c, c.get("auth").user.id);
    return c.json({ browsers }, 200);
  })

  .delete("/browsers/:id", async (c) => {
    if (!(await forgetBrowser(c, c.get("auth").user.id, c.req.param("id")))) {
      throw new ApiError(404, "not_found", "There is no such browser. It may have been forgotten already; reload the list.");
    }
    return c.json({ ok: true as const }, 200);
  })

  .get("/export", async (c) => {
    const now = Date.now();
    // A copy into a plain ArrayBuffer-backed array, as a Response body wants (the zip is compressed, so small).
    const zip = new Uint8Array(await buildExport(c.env.DB, c.get("auth").user.id, now));
    return c.body(zip, 200, {
      "content-type": "application/zip",
      "content-length": String(zip.byteLength),
      "content-disposition": `attachment; filename="hearth-export-${new Date(now).toISOString().slice(0, 10)}.zip"`,
      "cache-control": "no-store",
    });
  })

  .delete("/", jsonBody(DeleteAccountRequest), async (c) => {
    await checkCurrentPassword(c, c.req.valid("json").current_password);
    await deleteAccount(c.env, c.get("auth").user);
    await endSession(c);
    return c.json({ ok: true as const }, 200);
  });
