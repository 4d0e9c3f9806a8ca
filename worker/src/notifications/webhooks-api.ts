import { and, asc, count, desc, eq, lte, max, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { Hono } from "hono";
import { CreateWebhook, DeliveryQuery, DeliveryStatus, MAX_ATTEMPTS_SHOWN, MAX_WEBHOOKS, NotificationKind, UpdateWebhook, cursorAfter } from "#protocol";
import type { AttemptView, DeliveryPage, DeliveryView, WebhookCreated, WebhookRotated, WebhookView } from "#protocol";
import { requireUser } from "../auth/session.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import type { WebhookDeliveryRow, WebhookEndpointRow } from "../../../core/src/db/notifications-schema.ts";
import { newestFirst, olderThan } from "../../../core/src/cursor.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { jsonBody, queryParams } from "../http/validate.ts";
import { relayFor } from "../relay/stub.ts";
import { allowsPrivateTargets, checkTarget, newWebhookSecret, webhookEnv } from "../../../core/src/notifications/webhooks/index.ts";

// Settings → Webhooks: the user's endpoints and their delivery logs. This API only manages rows; the user's
// relay sends the deliveries, so after every change to an endpoint it is told to read them again.
//
// Rotating a secret replaces it at once: the old one stops verifying from the next attempt on, including retries
// of deliveries already queued. Standard Webhooks allows several signatures per message (and `attemptDelivery`
// signs with several secrets), so a grace period where both verify is possible, but it needs the previous
// secret and its expiry stored beside the current one; until then the receiver should be updated right after
// rotating.

const { webhookEndpoints, webhookDeliveries, webhookAttempts } = schema;

/** The canonical URL to store, or a 400 on `url` that says why the target is refused. */
function checkedUrl(env: Env, raw: string): string {
  const check = checkTarget(raw, { allowPrivate: allowsPrivateTargets(webhookEnv(env)) });
  if (!check.ok) throw new ApiError(400, "validation_failed", check.reason, { field: "url" });
  return check.url;
}

const newEndpointId = () => `whe_${crypto.randomUUID().replaceAll("-", "")}`;

const NOT_FOUND = "There is no such webhook. It may have been deleted; reload the page.";

/** The stored filter; a kind this version does not know is left out rather than failing the whole list. */
function storedKinds(text: string): NotificationKind[] {
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(values)) return [];
  return values.flatMap((value) => {
    const kind = NotificationKind.safeParse(value);
    return kind.success ? [kind.data] : [];
  });
}

type LastDelivery = WebhookView["last_delivery"];

function webhookView(row: WebhookEndpointRow, last: LastDelivery): WebhookView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    kinds: storedKinds(row.kinds),
    enabled: row.enabled,
    disabled_reason: row.disabledReason,
    created_at: row.createdAt,
    secret_rotated_at: row.secretRotatedAt,
    last_delivery: last,
  };
}

/** Each endpoint's newest delivery: its status, and when it last moved (delivered, else last attempted, else queued). */
async function lastDeliveries(d1: D1Database, userId: string, endpointId?: string): Promise<Map<string, NonNullable<LastDelivery>>> {
  const db = openDb(d1);
  const d = webhookDeliveries;
  const newer = alias(webhookDeliveries, "d2");
  const newest = db.select({ id: newer.id }).from(newer).where(eq(newer.endpointId, d.endpointId)).orderBy(desc(newer.createdAt), desc(newer.id)).limit(1);
  const lastAttempt = db.select({ at: max(webhookAttempts.attemptedAt) }).from(webhookAttempts).where(eq(webhookAttempts.deliveryId, d.id));
  const rows = await db
    .select({ endpointId: d.endpointId, status: d.status, at: sql<number>`coalesce(${d.deliveredAt}, (${lastAttempt}), ${d.createdAt})` })
    .from(d)
    .where(and(eq(d.userId, userId), endpointId === undefined ? undefined : eq(d.endpointId, endpointId), eq(d.id, newest)))
    .all();
  const last = new Map<string, NonNullable<LastDelivery>>();
  for (const row of rows) {
    const status = DeliveryStatus.safeParse(row.status);
    if (status.success) last.set(row.endpointId, { status: status.data, at: row.at });
  }
  return last;
}

async function viewOf(env: Env, row: WebhookEndpointRow): Promise<WebhookView> {
  return webhookView(row, (await lastDeliveries(env.DB, row.userId, row.id)).get(row.id) ?? null);
}

/** The user's own endpoint, or a 404 (another user's looks exactly like a missing one). */
async function ownEndpoint(d1: D1Database, userId: string, id: string): Promise<WebhookEndpointRow> {
  const row = await openDb(d1)
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, userId)))
    .get();
  if (!row) throw new ApiError(404, "not_found", NOT_FOUND);
  return row;
}

/** Deliveries with their newest attempts (at most MAX_ATTEMPTS_SHOWN each), read in one query. */
async function deliveryViews(d1: D1Database, rows: WebhookDeliveryRow[]): Promise<DeliveryView[]> {
  if (rows.length === 0) return [];
  const db = openDb(d1);
  const a = webhookAttempts;
  // The ids go in as one JSON parameter (json_each), so a page of any size stays under D1's 100 bound parameters.
  const ranked = db
    .select({
      id: a.id,
      deliveryId: a.deliveryId,
      attemptedAt: a.attemptedAt,
      statusCode: a.statusCode,
      latencyMs: a.latencyMs,
      responseSnippet: a.responseSnippet,
      error: a.error,
      // A window function: drizzle's builder has none, so the rank is written as SQL.
      n: sql<number>`row_number() OVER (PARTITION BY ${a.deliveryId} ORDER BY ${a.attemptedAt} DESC, ${a.id} DESC)`.as("n"),
    })
    .from(a)
    .where(sql`${a.deliveryId} IN (SELECT value FROM json_each(${JSON.stringify(rows.map((r) => r.id))}))`)
    .as("ranked");
  const attempts = await db
    .select()
    .from(ranked)
    .where(lte(ranked.n, MAX_ATTEMPTS_SHOWN))
    .orderBy(desc(ranked.attemptedAt), desc(ranked.id))
    .all();
  const byDelivery = new Map<string, AttemptView[]>();
  for (const attempt of attempts) {
    const list = byDelivery.get(attempt.deliveryId) ?? [];
    list.push({
      attempted_at: attempt.attemptedAt,
      status_code: attempt.statusCode,
      latency_ms: attempt.latencyMs,
      response_snippet: attempt.responseSnippet,
      error: attempt.error,
    });
    byDelivery.set(attempt.deliveryId, list);
  }
  return rows.map((row) => ({
    id: row.id,
    event_type: row.eventType,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.nextAttemptAt,
    delivered_at: row.deliveredAt,
    created_at: row.createdAt,
    notification_id: row.notificationId,
    attempts_log: byDelivery.get(row.id) ?? [],
  }));
}

async function ownDelivery(d1: D1Database, userId: string, id: string): Promise<WebhookDeliveryRow> {
  const row = await openDb(d1)
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.userId, userId)))
    .get();
  if (!row) throw new ApiError(404, "not_found", "There is no such delivery. Its webhook may have been deleted; reload the page.");
  return row;
}

/** /api/webhooks: the user's endpoints (add, change, rotate, remove, test) and each one's delivery log. */
export const webhooksApi = new Hono<AppEnv>()
  .use(requireUser)

  .get("/", async (c) => {
    const userId = c.get("auth").user.id;
    const [rows, last] = await Promise.all([
      openDb(c.env.DB).select().from(webhookEndpoints).where(eq(webhookEndpoints.userId, userId)).orderBy(asc(webhookEndpoints.createdAt), asc(webhookEndpoints.id)).all(),
      lastDeliveries(c.env.DB, userId),
    ]);
    const body: { webhooks: WebhookView[] } = { webhooks: rows.map((row) => webhookView(row, last.get(row.id) ?? null)) };
    return c.json(body, 200);
  })

  // The secret is in this answer and the rotate answer only; the list never shows it.
  .post("/", jsonBody(CreateWebhook), async (c) => {
    const userId = c.get("auth").user.id;
    const input = c.req.valid("json");
    const url = checkedUrl(c.env, input.url);
    const db = openDb(c.env.DB);
    const existing = await db.select({ n: count() }).from(webhookEndpoints).where(eq(webhookEndpoints.userId, userId)).get();
    if ((existing?.n ?? 0) >= MAX_WEBHOOKS) {
      throw new ApiError(409, "conflict", `You have ${MAX_WEBHOOKS} webhooks, the most allowed. Delete one you no longer use, then add this one.`);
    }
    const secret = newWebhookSecret();
    const row: WebhookEndpointRow = {
      id: newEndpointId(),
      userId,
      url,
      description: input.description || null,
      kinds: JSON.stringify(input.kinds),
      secret,
      enabled: true,
      disabledReason: null,
      consecutiveFailures: 0,
      createdAt: Date.now(),
      secretRotatedAt: null,
    };
    await db.insert(webhookEndpoints).values(row);
    await relayFor(c.env, userId).webhooksChanged();
    const body: WebhookCreated = { webhook: webhookView(row, null), secret };
    return c.json(body, 201);
  })

  .patch("/:id", jsonBody(UpdateWebhook), async (c) => {
    const userId = c.get("auth").user.id;
    const input = c.req.valid("json");
    const current = await ownEndpoint(c.env.DB, userId, c.req.param("id"));
    const change: Partial<WebhookEndpointRow> = {};
    if (input.url !== undefined) change.url = checkedUrl(c.env, input.url);
    if (input.description !== undefined) change.description = input.description || null;
    if (input.kinds !== undefined) change.kinds = JSON.stringify(input.kinds);
    // Turning it on again starts afresh: the reason it was turned off and the failures that led there are cleared.
    if (input.enabled !== undefined) change.enabled = input.enabled;
    if (input.enabled === true) {
      change.disabledReason = null;
      change.consecutiveFailures = 0;
    }
    const [updated] = await openDb(c.env.DB)
      .update(webhookEndpoints)
      .set(change)
      .where(and(eq(webhookEndpoints.id, current.id), eq(webhookEndpoints.userId, userId)))
      .returning();
    if (!updated) throw new ApiError(404, "not_found", NOT_FOUND);
    await relayFor(c.env, userId).webhooksChanged();
    return c.json({ webhook: await viewOf(c.env, updated) }, 200);
  })

  // Its deliveries and their attempts go with it (ON DELETE CASCADE).
  .delete("/:id", async (c) => {
    const userId = c.get("auth").user.id;
    const [removed] = await openDb(c.env.DB)
      .delete(webhookEndpoints)
      .where(and(eq(webhookEndpoints.id, c.req.param("id")), eq(webhookEndpoints.userId, userId)))
      .returning({ id: webhookEndpoints.id });
    if (!removed) throw new ApiError(404, "not_found", NOT_FOUND);
    await relayFor(c.env, userId).webhooksChanged();
    return c.json({ ok: true as const }, 200);
  })

  .post("/:id/rotate", async (c) => {
    const userId = c.get("auth").user.id;
    const secret = newWebhookSecret();
    const [rotated] = await openDb(c.env.DB)
      .update(webhookEndpoints)
      .set({ secret, secretRotatedAt: Date.now() })
      .where(and(eq(webhookEndpoints.id, c.req.param("id")), eq(webhookEndpoints.userId, userId)))
      .returning();
    if (!rotated) throw new ApiError(404, "not_found", NOT_FOUND);
    await relayFor(c.env, userId).webhooksChanged();
    const body: WebhookRotated = { webhook: await viewOf(c.env, rotated), secret };
    return c.json(body, 200);
  })

  // Queues a webhook.test delivery, enabled or not: the user is checking their receiver.
  .post("/:id/test", async (c) => {
    const userId = c.get("auth").user.id;
    const endpoint = await ownEndpoint(c.env.DB, userId, c.req.param("id"));
    const deliveryId: string = await relayFor(c.env, userId).testWebhook(endpoint.id);
    return c.json({ delivery_id: deliveryId }, 202);
  })

  .get("/:id/deliveries", queryParams(DeliveryQuery), async (c) => {
    const userId = c.get("auth").user.id;
    const endpoint = await ownEndpoint(c.env.DB, userId, c.req.param("id"));
    const query = c.req.valid("query");
    const rows = await openDb(c.env.DB)
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.userId, userId), olderThan(webhookDeliveries, query.before)))
      .orderBy(...newestFirst(webhookDeliveries))
      .limit(query.limit)
      .all();
    const last = rows[rows.length - 1];
    const body: DeliveryPage = {
      deliveries: await deliveryViews(c.env.DB, rows),
      next_before: rows.length === query.limit && last ? cursorAfter(last.createdAt, last.id) : null,
    };
    return c.json(body, 200);
  })

  // A manual resend from the log: the relay sends it again now, whatever became of it.
  .post("/deliveries/:id/resend", async (c) => {
    const userId = c.get("auth").user.id;
    const delivery = await ownDelivery(c.env.DB, userId, c.req.param("id"));
    await relayFor(c.env, userId).resendDelivery(delivery.id);
    const [view] = await deliveryViews(c.env.DB, [await ownDelivery(c.env.DB, userId, delivery.id)]);
    if (!view) throw new ApiError(404, "not_found", "There is no such delivery. Its webhook may have been deleted; reload the page.");
    const body: { delivery: DeliveryView } = { delivery: view };
    return c.json(body, 200);
  });
