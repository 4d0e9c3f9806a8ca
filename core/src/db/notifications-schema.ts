import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./tables.ts";

// Notifications and webhooks. Times are epoch milliseconds.

/** What Hearth told (or will tell) the user. `delivered_at` stays null while quiet hours hold it for the digest. */
export const notifications = sqliteTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    priority: text("priority", { enum: ["low", "normal", "high", "urgent"] }).notNull(),
    /** JSON array of `{id, label}`. */
    actions: text("actions").notNull().default("[]"),
    sourceType: text("source_type"),
    sourceId: text("source_id"),
    link: text("link"),
    /** Whether the in-app channel takes it (the bell and the center list only these). */
    inApp: integer("in_app", { mode: "boolean" }).notNull().default(true),
    createdAt: integer("created_at").notNull(),
    deliveredAt: integer("delivered_at"),
    readAt: integer("read_at"),
    dismissedAt: integer("dismissed_at"),
    /** What its source came to once settled ("Denied"), set when its request is answered anywhere; the buttons go then. */
    outcome: text("outcome"),
  },
  // The unread index covers the bell's count (user, unread, not dismissed, in the app, delivered): no table reads.
  (t) => [index("notifications_user_time_idx").on(t.userId, t.createdAt), index("notifications_user_unread_idx").on(t.userId, t.readAt, t.dismissedAt, t.inApp, t.deliveredAt)],
);

/** A user's source rules and quiet hours (JSON, `NotificationPreferences`); no row means the defaults. */
export const notificationPreferences = sqliteTable("notification_preferences", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  rules: text("rules").notNull(),
  quietHours: text("quiet_hours").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Where webhooks go. The signing secret is kept (it signs every delivery) and shown to the user once. */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    description: text("description"),
    /** JSON array of notification kinds; empty means every kind. */
    kinds: text("kinds").notNull().default("[]"),
    secret: text("secret").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    disabledReason: text("disabled_reason"),
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    secretRotatedAt: integer("secret_rotated_at"),
  },
  (t) => [index("webhook_endpoints_user_idx").on(t.userId)],
);

/** One notification (or digest) for one endpoint, retried until delivered or given up. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull(),
    notificationId: text("notification_id"),
    eventType: text("event_type").notNull(),
    /** The exact JSON body that is signed and sent. */
    payload: text("payload").notNull(),
    priority: text("priority", { enum: ["low", "normal", "high", "urgent"] }).notNull(),
    status: text("status", { enum: ["pending", "delivered", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at"),
    deliveredAt: integer("delivered_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("webhook_deliveries_due_idx").on(t.userId, t.status, t.nextAttemptAt), index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.createdAt)],
);

/** Each try of a delivery: what the receiver answered, and how fast. */
export const webhookAttempts = sqliteTable(
  "webhook_attempts",
  {
    id: text("id").primaryKey(),
    deliveryId: text("delivery_id")
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    attemptedAt: integer("attempted_at").notNull(),
    statusCode: integer("status_code"),
    latencyMs: integer("latency_ms").notNull(),
    responseSnippet: text("response_snippet"),
    error: text("error"),
  },
  (t) => [index("webhook_attempts_delivery_idx").on(t.deliveryId, t.attemptedAt)],
);

/** Single-use action links (approve, deny, retry from a webhook): the id is in the signed URL; `used_at` spends it. */
export const actionTokens = sqliteTable("action_tokens", {
  id: text("id").primaryKey(),
  userId: text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  notificationId: text("notification_id").notNull(),
  action: text("action").notNull(),
  expiresAt: integer("expires_at").notNull(),
  usedAt: integer("used_at"),
});

/**
 * Notices stored by the API with the change that caused them (one D1 batch), waiting for the user's relay to
 * apply the rule and store the notification; the relay deletes each in the batch that stores it (migration 0021).
 */
export const noticeOutbox = sqliteTable(
  "notice_outbox",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    /** JSON: what the notice's text is made from (see core/src/notifications/outbox.ts), parsed when read. */
    facts: text("facts").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("notice_outbox_user_created_idx").on(t.userId, t.createdAt)],
);

export type NotificationRow = typeof notifications.$inferSelect;
export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type NoticeOutboxRow = typeof noticeOutbox.$inferSelect;
