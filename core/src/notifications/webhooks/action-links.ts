import { and, eq, gt, isNull } from "drizzle-orm";
import { z } from "zod";
import { openDb, schema } from "../../db/index.ts";

// Signed action links: a webhook payload's approve / deny / retry buttons work without signing in. The link
// carries `base64url(claims).base64url(HMAC-SHA256(secret, first part))`; the HMAC proves we issued it and
// that nobody edited it, the expiry bounds how long a leaked link is worth anything, and a D1 row per link
// (`action_tokens`) makes it single-use. Opening a link (GET) only shows a confirmation page, since mail
// scanners and chat previews open links; the POST from that page spends it.
//
// The secret is ACTION_LINK_SECRET: a Worker secret in production (`wrangler secret put ACTION_LINK_SECRET`;
// rotating it voids every link not yet used); `npm start` makes one for its local state.

const { actionTokens } = schema;

// followed_up, snooze and mark_ghosted answer a job follow-up (issue 19: core/src/jobs/actions.ts).
export const LINK_ACTIONS = ["approve", "deny", "retry", "followed_up", "snooze", "mark_ghosted"] as const;
export const LinkAction = z.enum(LINK_ACTIONS);
export type LinkAction = z.infer<typeof LinkAction>;

/** What a link lets its holder do, once, until `expiresAt` (epoch ms). `jti` is the `action_tokens` row's id. */
export const ActionClaims = z.object({
  jti: z.string().min(1).max(64),
  userId: z.string().min(1),
  notificationId: z.string().min(1),
  action: LinkAction,
  expiresAt: z.number().int(),
});
export type ActionClaims = z.infer<typeof ActionClaims>;

/** Why a link was refused: "malformed" (not one of ours at all), "tampered" (the signature does not match), "expired". */
export type ActionTokenRefusal = "malformed" | "tampered" | "expired";
export type ActionTokenCheck = { ok: true; claims: ActionClaims } | { ok: false; reason: ActionTokenRefusal };

/** How long a link works by default: long enough to act from a phone later in the day. */
export const ACTION_LINK_TTL_MS = 24 * 60 * 60_000;
const MIN_SECRET_LENGTH = 32;
const MAX_TOKEN_LENGTH = 2048;

/** Signs claims into a token for a URL (URL-safe as is). */
export async function actionToken(claims: ActionClaims, secret: string): Promise<string> {
  const body = base64url(new TextEncoder().encode(JSON.stringify(ActionClaims.parse(claims))));
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), new TextEncoder().encode(body));
  return `${body}.${base64url(new Uint8Array(signature))}`;
}

/**
 * The claims of a token we issued, unaltered and unexpired, or why not. The signature is checked first, in
 * constant time (crypto.subtle.verify), and the claims are read only when it matches. Single use is not
 * checked here: that is `spendActionToken`.
 */
export async function readActionToken(token: string, secret: string, now: number): Promise<ActionTokenCheck> {
  const key = await hmacKey(secret);
  const parts = token.length <= MAX_TOKEN_LENGTH ? token.split(".") : [];
  if (parts.length !== 2) return { ok: false, reason: "malformed" };
  const [body, signatureText] = parts;
  const [bodyBytes, signature] = [fromBase64url(body), fromBase64url(signatureText)];
  if (body === "" || bodyBytes === null || signature?.length !== 32) return { ok: false, reason: "malformed" };
  if (!(await crypto.subtle.verify("HMAC", key, signature, new TextEncoder().encode(body)))) return { ok: false, reason: "tampered" };
  const claims = ActionClaims.safeParse(parseJson(new TextDecoder().decode(bodyBytes)));
  if (!claims.success) return { ok: false, reason: "malformed" };
  if (claims.data.expiresAt <= now) return { ok: false, reason: "expired" };
  return { ok: true, claims: claims.data };
}

/**
 * The link a payload's button carries. The token goes in the fragment, which browsers never send, so it stays
 * out of request lines and logs; the page at that address reads it (action-page.ts).
 */
export function actionLinkUrl(origin: string, token: string): string {
  return `${origin}/api/actions#${token}`;
}

/**
 * Creates a link's single-use row and returns its token: call once per action button of a webhook payload.
 * @example const token = await issueActionToken(env.DB, { userId, notificationId, action: "approve", expiresAt: now + ACTION_LINK_TTL_MS }, env.ACTION_LINK_SECRET);
 */
export async function issueActionToken(db: D1Database, claims: Omit<ActionClaims, "jti">, secret: string): Promise<string> {
  const full: ActionClaims = { jti: crypto.randomUUID(), ...claims };
  const token = await actionToken(full, secret);
  await openDb(db)
    .insert(actionTokens)
    .values({ id: full.jti, userId: full.userId, notificationId: full.notificationId, action: full.action, expiresAt: full.expiresAt });
  return token;
}

/**
 * Spends a link: true for the first spend of an existing, unexpired link, false ever after. One conditional
 * UPDATE, so two clicks racing each other cannot both win. Call it before acting, and act only on true.
 */
export async function spendActionToken(db: D1Database, jti: string, now: number): Promise<boolean> {
  const spent = await openDb(db)
    .update(actionTokens)
    .set({ usedAt: now })
    .where(and(eq(actionTokens.id, jti), isNull(actionTokens.usedAt), gt(actionTokens.expiresAt, now)))
    .returning({ id: actionTokens.id });
  return spent.length > 0;
}

/** Whether a link can still be spent, without spending it: for the GET page, so a used link says so at once. */
export async function actionTokenState(db: D1Database, jti: string, now: number): Promise<"usable" | "used" | "expired" | "unknown"> {
  const row = await openDb(db).select({ usedAt: actionTokens.usedAt, expiresAt: actionTokens.expiresAt }).from(actionTokens).where(eq(actionTokens.id, jti)).get();
  if (!row) return "unknown";
  if (row.usedAt !== null) return "used";
  return row.expiresAt > now ? "usable" : "expired";
}

async function hmacKey(secret: string): Promise<CryptoKey> {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`ACTION_LINK_SECRET is too short: set at least ${MIN_SECRET_LENGTH} random characters with \`wrangler secret put ACTION_LINK_SECRET\`.`);
  }
  return crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes canonical base64url only: another spelling of the same bytes is refused, so a token has one form. */
function fromBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return base64url(bytes) === text ? bytes : null;
}
