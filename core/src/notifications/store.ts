import { and, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { NotificationAction, NotificationKind, NotificationSource } from "#protocol";
import type { NotificationQuery, NotificationView, Priority } from "#protocol";
import { z } from "zod";
import { openDb, schema } from "../db/index.ts";
import type { Db } from "../db/index.ts";
import type { NotificationRow } from "../db/notifications-schema.ts";
import type { BatchItem } from "drizzle-orm/batch";
import { newestFirst, olderThan } from "../cursor.ts";

// Notification rows in D1: what the bell counts and the notification center lists. A row held by quiet hours has
// no `delivered_at` yet; the bell and the list show delivered rows only, so a held one appears with its digest.

const { notifications, webhookDeliveries } = schema;

/** Written only by the triggers of migration 0012; read here. */
const notificationUnread = sqliteTable("notification_unread", { userId: text("user_id").primaryKey(), n: integer("n").notNull() });

/** `id IN (…)` as one bound JSON value: D1 allows only 100 bound parameters per statement. */
const among = (ids: string[]) => sql`${notifications.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;

/** What a source asks to tell the user; the rule decides whether and how loudly. */
export type NotificationDraft = {
  kind: NotificationKind;
  title: string;
  body: string;
  actions?: NotificationAction[];
  source?: NotificationSource | null;
  link?: string | null;
};

/** Reads one kind of outbox notice's facts (JSON, parsed) into a draft, or null when they do not fit. */
export type NoticeReader = (facts: unknown) => NotificationDraft | null;

const Actions = z.array(NotificationAction);

export function notificationView(row: NotificationRow): NotificationView {
  const kind = NotificationKind.safeParse(row.kind);
  const source = NotificationSource.safeParse({ type: row.sourceType, id: row.sourceId });
  let actions: NotificationAction[] = [];
  try {
    actions = Actions.parse(JSON.parse(row.actions));
  } catch {
    actions = [];
  }
  return {
    id: row.id,
    kind: kind.success ? kind.data : "command_finished",
    title: row.title,
    body: row.body,
    priority: row.priority,
    actions,
    source: source.success ? source.data : null,
    link: row.link,
    created_at: row.createdAt,
    read_at: row.readAt,
    dismissed_at: row.dismissedAt,
    outcome: row.outcome,
  };
}

/** How a notification is stored: its rule's priority, when, and which of its channels take it. */
export type NotificationOptions = { priority: Priority; at: number; delivered: boolean; inApp: boolean; read?: boolean; id?: string };

/** The row a draft becomes (not stored yet): `id` when its id is given (a notice from the outbox keeps its own). */
export function notificationRow(userId: string, draft: NotificationDraft, options: NotificationOptions): NotificationRow {
  const { priority, at, delivered, inApp } = options;
  return {
    id: options.id ?? crypto.randomUUID(),
    userId,
    kind: draft.kind,
    title: draft.title.slice(0, 200),
    body: draft.body.slice(0, 2000),
    priority,
    actions: JSON.stringify(draft.actions ?? []),
    sourceType: draft.source?.type ?? null,
    sourceId: draft.source?.id ?? null,
    link: draft.link ?? null,
    inApp,
    createdAt: at,
    deliveredAt: delivered ? at : null,
    readAt: options.read ? at : null,
    dismissedAt: null,
    outcome: null,
  };
}

/**
 * Takes back the webhook deliveries of a notification that were queued but never tried: its source was settled
 * while it was being stored, so an "approve?" webhook would ask about something already answered.
 */
export async function withdrawDeliveries(d1: D1Database, userId: string, notificationId: string): Promise<void> {
  await openDb(d1)
    .delete(webhookDeliveries)
    .where(and(eq(webhookDeliveries.userId, userId), eq(webhookDeliveries.notificationId, notificationId), eq(webhookDeliveries.status, "pending"), eq(webhookDeliveries.attempts, 0)));
}

/**
 * Stores a built row, with `writes` that must land with it (its webhook deliveries, taking its notice out of the
 * outbox) in the same D1 batch, and reads the bell's count after it. `stored` is false when a row with its id
 * was there already (the same notice handled twice): nothing else in the batch changed anything then either,
 * as long as each write is idempotent too.
 */
export async function storeNotification(d1: D1Database, row: NotificationRow, writes: BatchItem<"sqlite">[] = []): Promise<{ stored: boolean; unread: number }> {
  const db = openDb(d1);
  const insert = db.insert(notifications).values(row).onConflictDoNothing().returning({ id: notifications.id });
  if (writes.length === 0) {
    const [inserted, counted] = await db.batch([insert, unreadQuery(db, row.userId)]);
    return { stored: inserted.length > 0, unread: counted[0]?.n ?? 0 };
  }
  // The other writes go between the insert and the count (a batch's results come back in its order).
  const [inserted, ...rest] = await db.batch([insert, ...writes, unreadQuery(db, row.userId)]);
  const counted = Unread.safeParse(rest.at(-1));
  return { stored: inserted.length > 0, unread: counted.success ? (counted.data[0]?.n ?? 0) : 0 };
}

const Unread = z.array(z.object({ n: z.number() }));

/** The bell's number, kept by triggers (migration 0012): one row read, however many are unread. */
const unreadQuery = (db: Db, userId: string) => db.select({ n: notificationUnread.n }).from(notificationUnread).where(eq(notificationUnread.userId, userId));

/** The bell's number: delivered, unread, not dismissed. */
export async function unreadCount(d1: D1Database, userId: string): Promise<number> {
  const [row] = await unreadQuery(openDb(d1), userId);
  return row?.n ?? 0;
}

export async function listNotifications(d1: D1Database, userId: string, query: NotificationQuery): Promise<{ rows: NotificationRow[] }> {
  const rows = await openDb(d1)
    .select()
    .from(notifications)
    .where(
      and(
        eq(notifications.userId, userId),
        eq(notifications.inApp, true),
        isNotNull(notifications.deliveredAt),
        query.kind ? eq(notifications.kind, query.kind) : undefined,
        query.priority ? eq(notifications.priority, query.priority) : undefined,
        query.state === "unread" ? and(isNull(notifications.readAt), isNull(notifications.dismissedAt)) : undefined,
        query.state === "dismissed" ? isNotNull(notifications.dismissedAt) : query.state === "all" ? isNull(notifications.dismissedAt) : undefined,
        olderThan(notifications, query.before, notifications.createdAt),
      ),
    )
    .orderBy(...newestFirst(notifications, notifications.createdAt))
    .limit(query.limit)
    .all();
  return { rows };
}

/** Marks the user's notifications read (all unread ones when `ids` is null). Returns the ids it changed. */
export async function markRead(d1: D1Database, userId: string, ids: string[] | null, at: number): Promise<string[]> {
  const changed = await openDb(d1)
    .update(notifications)
    .set({ readAt: at })
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt), isNotNull(notifications.deliveredAt), ids ? among(ids) : undefined))
    .returning({ id: notifications.id });
  return changed.map((row) => row.id);
}

/**
 * Settles a source's notifications (its request was answered, wherever): they are read, lose their buttons and
 * say `outcome` instead, so no view of them offers an answer any more. Returns the ids it changed.
 */
export async function settleSource(d1: D1Database, userId: string, source: NotificationSource, outcome: string, at: number): Promise<string[]> {
  const changed = await openDb(d1)
    .update(notifications)
    .set({ readAt: sql`coalesce(${notifications.readAt}, ${at})`, actions: "[]", outcome })
    .where(and(eq(notifications.userId, userId), eq(notifications.sourceType, source.type), eq(notifications.sourceId, source.id), isNull(notifications.outcome)))
    .returning({ id: notifications.id });
  return changed.map((row) => row.id);
}

/** Dismisses one (it leaves the list, and counts as read). Returns whether it was the user's and not dismissed yet. */
export async function dismiss(d1: D1Database, userId: string, id: string, at: number): Promise<boolean> {
  const changed = await openDb(d1)
    .update(notifications)
    .set({ dismissedAt: at, readAt: sql`coalesce(${notifications.readAt}, ${at})` })
    .where(and(eq(notifications.userId, userId), eq(notifications.id, id), isNull(notifications.dismissedAt)))
    .returning({ id: notifications.id });
  return changed.length > 0;
}

/** Rows quiet hours held, oldest first: they go out as one digest. */
export async function heldNotifications(d1: D1Database, userId: string): Promise<NotificationRow[]> {
  return openDb(d1).select().from(notifications).where(and(eq(notifications.userId, userId), isNull(notifications.deliveredAt))).orderBy(notifications.createdAt).all();
}

export async function markDelivered(d1: D1Database, ids: string[], at: number): Promise<void> {
  if (ids.length === 0) return;
  await openDb(d1).update(notifications).set({ deliveredAt: at }).where(among(ids));
}
