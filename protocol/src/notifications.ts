import { z } from "zod";
import { Cursor } from "./cursor.ts";

// Notifications: what Hearth tells the user, in the app (the bell, toasts) and through webhooks. Each comes from a
// source rule the user controls (on or off, a threshold, a priority), and is delivered per the user's channel
// preferences and quiet hours.

export const PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export const Priority = z.enum(PRIORITIES);
export type Priority = z.infer<typeof Priority>;

/** True when `priority` is at least `minimum`. */
export const atLeast = (priority: Priority, minimum: Priority) => PRIORITIES.indexOf(priority) >= PRIORITIES.indexOf(minimum);

/** The sources, one rule each. */
export const NOTIFICATION_KINDS = [
  "permission_requested",
  "command_finished",
  "command_failed",
  "command_expired",
  "large_transaction",
  "job_application",
  "job_status_changed",
  "agent_offline",
  "new_sign_in",
  "webhook_disabled",
  "subscription_price_change",
  "payment_missed",
  "subscription_new",
  "unusual_spending",
  "job_follow_up",
  "interview_reminder",
] as const;
export const NotificationKind = z.enum(NOTIFICATION_KINDS);
export type NotificationKind = z.infer<typeof NotificationKind>;

/** What a notification links to. */
export const NotificationSource = z.object({
  type: z.enum(["command", "activity", "permission_request", "device", "session", "webhook", "recurring"]),
  id: z.string(),
});
export type NotificationSource = z.infer<typeof NotificationSource>;

/** A button on a notification: in the app it acts in place; in a webhook payload it carries a signed URL. */
export const NotificationAction = z.object({
  id: z.enum(["approve", "deny", "retry", "open", "followed_up", "snooze", "mark_ghosted"]),
  label: z.string().max(40),
});
export type NotificationAction = z.infer<typeof NotificationAction>;

export const NotificationView = z.object({
  id: z.string(),
  kind: NotificationKind,
  title: z.string(),
  body: z.string(),
  priority: Priority,
  actions: z.array(NotificationAction),
  source: NotificationSource.nullable(),
  /** Where in the app it leads, e.g. "/settings/devices/…". */
  link: z.string().nullable(),
  created_at: z.number(),
  read_at: z.number().nullable(),
  dismissed_at: z.number().nullable(),
  /** Once its source is settled (the request answered, wherever): what it came to, and `actions` is empty. */
  outcome: z.string().nullable(),
});
export type NotificationView = z.infer<typeof NotificationView>;

/** GET /api/notifications: newest first, paged with `next_before`; `unread` is the bell's count. */
export const NotificationQuery = z.object({
  kind: NotificationKind.optional(),
  priority: Priority.optional(),
  state: z.enum(["all", "unread", "dismissed"]).default("all"),
  limit: z.coerce.number().int().min(1).max(100).default(30),
  before: Cursor.optional(),
});
export type NotificationQuery = z.infer<typeof NotificationQuery>;

/** A channel's setting for one kind: off, or on from a minimum priority up. */
export const ChannelSetting = z.object({ enabled: z.boolean(), min_priority: Priority });

/**
 * A large_transaction rule's amounts, by ISO currency code: a transaction is large when its currency is listed and
 * its amount (in or out) reaches that currency's figure. 500 USD says nothing about yen, so a currency that is not
 * listed never alerts.
 */
export const CurrencyThresholds = z
  .record(z.string(), z.number().min(0, { error: "An amount is 0 or more." }))
  // Checked here rather than as the record's key schema, whose own message would only say "Invalid key in record".
  .refine((amounts) => Object.keys(amounts).every((currency) => /^[A-Z]{3}$/.test(currency)), { error: "A currency is a 3-letter ISO code, like USD." });
export type CurrencyThresholds = z.infer<typeof CurrencyThresholds>;

/**
 * One source's rule. `threshold` is the kind's number: minutes for agent_offline. large_transaction has an amount
 * per currency in `currency_thresholds`; its `threshold` is only what rules saved before that held (see
 * largeTransactionThresholds).
 */
export const NotificationRule = z.object({
  kind: NotificationKind,
  enabled: z.boolean(),
  priority: Priority,
  threshold: z.number().min(0).nullable(),
  currency_thresholds: CurrencyThresholds.optional(),
  channels: z.object({ in_app: ChannelSetting, webhook: ChannelSetting }),
});
export type NotificationRule = z.infer<typeof NotificationRule>;

/** Currencies in which the default 500 is a similar sum; a rule with a single amount applies it to these. */
export const THRESHOLD_CURRENCIES = ["USD", "EUR", "GBP", "CHF", "CAD", "AUD"] as const;

/**
 * The amounts a large_transaction rule alerts at, by currency: its own list, or for a rule with one number (the
 * default, and rules saved before amounts were per currency) that number in THRESHOLD_CURRENCIES.
 */
export function largeTransactionThresholds(rule: Pick<NotificationRule, "threshold" | "currency_thresholds">): CurrencyThresholds {
  if (rule.currency_thresholds) return rule.currency_thresholds;
  const amount = rule.threshold;
  return amount === null ? {} : Object.fromEntries(THRESHOLD_CURRENCIES.map((currency) => [currency, amount]));
}

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: "Use 24-hour HH:MM, like 22:00." });

/** True when the runtime knows the IANA zone name (browsers and workerd agree on the list). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Non-urgent notifications are held during quiet hours and sent as one digest when they end. */
export const QuietHours = z.object({
  enabled: z.boolean(),
  start: HHMM,
  end: HHMM,
  /** An IANA time zone, like Europe/Berlin. */
  time_zone: z.string().min(1).max(64),
});
export type QuietHours = z.infer<typeof QuietHours>;

export const NotificationPreferences = z.object({
  rules: z.array(NotificationRule),
  quiet_hours: QuietHours,
});
export type NotificationPreferences = z.infer<typeof NotificationPreferences>;

/** The defaults a new user starts with: what a careful assistant would tell you about, and how loudly. */
export function defaultRules(): NotificationRule[] {
  const rule = (kind: NotificationKind, priority: Priority, threshold: number | null = null, enabled = true): NotificationRule => ({
    kind,
    enabled,
    priority,
    threshold,
    channels: { in_app: { enabled: true, min_priority: "low" }, webhook: { enabled: true, min_priority: "high" } },
  });
  return [
    rule("permission_requested", "high"),
    // A routine success is seen where it was asked for (the chat, the device page): off until the user wants it.
    rule("command_finished", "low", null, false),
    rule("command_failed", "normal"),
    rule("command_expired", "normal"),
    rule("large_transaction", "high", 500),
    rule("job_application", "normal"),
    rule("job_status_changed", "normal"),
    rule("agent_offline", "normal", 30),
    rule("new_sign_in", "high"),
    rule("webhook_disabled", "high"),
    rule("subscription_price_change", "normal"),
    rule("payment_missed", "high"),
    rule("subscription_new", "low"),
    rule("unusual_spending", "normal"),
    // Days without movement before an application asks "follow up?".
    rule("job_follow_up", "normal", 10),
    rule("interview_reminder", "high"),
  ];
}

/** client → API: PUT /api/notifications/preferences, any part of the preferences. */
export const UpdateNotificationPreferences = z
  .object({
    rules: z.array(NotificationRule).max(NOTIFICATION_KINDS.length).optional(),
    quiet_hours: QuietHours.optional(),
  })
  .refine((body) => body.rules !== undefined || body.quiet_hours !== undefined, { error: "Send rules, quiet_hours or both." });
