import { Hono } from "hono";
import type { Context } from "hono";
import type { NotificationView } from "#protocol";
import { TotpCode } from "#protocol";
import { attemptSucceeded, reserveAttempt, secondFactorChecks } from "../auth/lockout.ts";
import { linkApprovalNeeds } from "../auth/step-up.ts";
import { spendTotpCode } from "../auth/totp.ts";
import { openDb } from "../../../core/src/db/index.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { findNotification, performAction } from "./actions.ts";
import {
  ACTION_FORM_HEADERS,
  ACTION_PAGE_HEADERS,
  actionOpenerResponse,
  actionPage,
  actionPageResponse,
  actionTokenState,
  readActionToken,
  spendActionToken,
  webhookEnv,
} from "../../../core/src/notifications/webhooks/index.ts";
import type { ActionClaims, ActionPageRefusal } from "../../../core/src/notifications/webhooks/index.ts";

// The signed links in a webhook payload's buttons (approve, deny, retry), opened without signing in: the token
// is the credential. A link is `/api/actions#<token>` (action-page.ts): the opener page's script POSTs the token
// to /view, which only shows what the button will do, since mail scanners and chat previews open links; the POST
// from that page to /confirm spends the link (once) and acts through the same path as the app's own button. The
// token travels only in form bodies, never in a request line, so no log holds it. Every answer is a small HTML
// page, never JSON: a person reads it.

/** The link-signing secret, or null (logged) when it is missing or too short: then every link is refused. */
function actionLinkSecret(env: unknown): string | null {
  const secret = webhookEnv(env).ACTION_LINK_SECRET;
  if (secret !== undefined) return secret;
  console.error("ACTION_LINK_SECRET is missing or shorter than 32 characters, so webhook action links are refused. Set it with `wrangler secret put ACTION_LINK_SECRET`.");
  return null;
}

const refused = (reason: ActionPageRefusal, detail?: string) => actionPageResponse({ kind: "refused", reason, ...(detail ? { detail } : {}) });

/** The token's claims when we issued it, unaltered and unexpired; otherwise the page that says why not. */
async function readLink(env: Env, token: string, now: number): Promise<{ claims: ActionClaims } | { page: Response }> {
  const secret = actionLinkSecret(env);
  if (secret === null) return { page: refused("unknown") };
  const read = await readActionToken(token, secret, now);
  return read.ok ? { claims: read.claims } : { page: refused(read.reason) };
}

/** The notification the link is for, or null when it was deleted since. */
async function linkedNotification(env: Env, claims: ActionClaims): Promise<NotificationView | null> {
  try {
    return await findNotification(env.DB, claims.userId, claims.notificationId);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

const GONE = "The notification this link was for has been deleted.";

/** An unexpected failure, as a page: a person reads it, so it says what to do instead. */
function unexpected(err: unknown): Response {
  console.error("action link failed", err);
  const page = actionPage({ kind: "refused", reason: "unknown", detail: "Something went wrong on our side. Open Hearth and act on the notification there." });
  return new Response(page, { status: 500, headers: ACTION_PAGE_HEADERS });
}

/** What a page's form posted, and its token (empty when there is none: then it reads as a malformed link). */
async function postedForm(c: Context<AppEnv>): Promise<{ token: string; form: Record<string, unknown> }> {
  const form: Record<string, unknown> = await c.req.parseBody().catch(() => ({}));
  return { token: typeof form.token === "string" ? form.token : "", form };
}

/**
 * An approve with effects needs a proof even from a link: the page's code field, checked (behind the factor
 * lockout) before the link is spent, so a wrong code costs the link nothing. Returns the page to show instead, or null.
 */
async function linkStepUp(env: Env, token: string, claims: ActionClaims, form: Record<string, unknown>): Promise<Response | null> {
  const notification = await linkedNotification(env, claims);
  // Gone or answered: the usual path says so.
  if (!notification || notification.outcome !== null) return null;
  const needs = await linkApprovalNeeds(env, claims.userId, notification, claims.action);
  if (needs === "nothing") return null;
  if (needs === "app") return refused("step_up");
  const again = (status: 401 | 429, codeError: string) =>
    new Response(actionPage({ kind: "confirm", action: claims.action, title: notification.title, body: notification.body, token, askCode: true, codeError }), { status, headers: ACTION_FORM_HEADERS });
  const db = openDb(env.DB);
  const code = TotpCode.safeParse(form.code);
  let attempt;
  try {
    attempt = await reserveAttempt(db, secondFactorChecks(claims.userId));
  } catch (err) {
    if (err instanceof ApiError) return again(429, err.message);
    throw err;
  }
  if (code.success && (await spendTotpCode(db, claims.userId, code.data, { confirmed: true }))) {
    await attemptSucceeded(db, attempt);
    return null;
  }
  return again(401, "That code is not right, or was already used. Enter the code your app shows now.");
}

/** /api/actions: a webhook's approve, deny and retry links. No session; the signed token decides. */
export const actionLinks = new Hono<AppEnv>()
  .get("/", () => actionOpenerResponse())

  .post("/view", async (c) => {
    try {
      const now = Date.now();
      const { token } = await postedForm(c);
      const link = await readLink(c.env, token, now);
      if ("page" in link) return link.page;
      // Checked without spending it, so a link already used says so at once, before the button is pressed.
      const state = await actionTokenState(c.env.DB, link.claims.jti, now);
      if (state !== "usable") return refused(state);
      const notification = await linkedNotification(c.env, link.claims);
      if (!notification) return refused("unknown", GONE);
      // Answered elsewhere (the app, a sibling link): the outcome, not a button that can no longer do anything.
      if (notification.outcome !== null) return actionPageResponse({ kind: "settled", title: notification.title, outcome: notification.outcome });
      const needs = await linkApprovalNeeds(c.env, link.claims.userId, notification, link.claims.action);
      if (needs === "app") return refused("step_up");
      const page = actionPage({ kind: "confirm", action: link.claims.action, title: notification.title, body: notification.body, token, askCode: needs === "code" });
      return new Response(page, { status: 200, headers: ACTION_FORM_HEADERS });
    } catch (err) {
      return unexpected(err);
    }
  })

  .post("/confirm", async (c) => {
    try {
      const now = Date.now();
      const { token, form } = await postedForm(c);
      const link = await readLink(c.env, token, now);
      if ("page" in link) return link.page;
      const { claims } = link;
      // A used or expired link says so before any code is checked (and spent).
      const usable = await actionTokenState(c.env.DB, claims.jti, now);
      if (usable !== "usable") return refused(usable);
      const unconfirmed = await linkStepUp(c.env, token, claims, form);
      if (unconfirmed) return unconfirmed;
      // Spent before acting, in one conditional UPDATE: of two presses racing, only one acts.
      if (!(await spendActionToken(c.env.DB, claims.jti, now))) {
        const state = await actionTokenState(c.env.DB, claims.jti, now);
        return refused(state === "expired" || state === "unknown" ? state : "used");
      }
      const notification = await linkedNotification(c.env, claims);
      if (!notification) return refused("unknown", GONE);
      if (notification.outcome !== null) return actionPageResponse({ kind: "settled", title: notification.title, outcome: notification.outcome });
      try {
        const detail = await performAction(c.env, claims.userId, notification, claims.action);
        return actionPageResponse({ kind: "done", action: claims.action, title: notification.title, detail });
      } catch (err) {
        // The action itself was refused, e.g. the request was already answered in the app: say why, with its status.
        if (!(err instanceof ApiError)) throw err;
        const page = actionPage({ kind: "refused", reason: "unknown", detail: err.message });
        return new Response(page, { status: err.status, headers: ACTION_PAGE_HEADERS });
      }
    } catch (err) {
      return unexpected(err);
    }
  })

  // The old form, with the token in the path, is refused whatever it holds: its token has reached request logs.
  .on(["GET", "POST"], "/:token", () => refused("outdated"));
