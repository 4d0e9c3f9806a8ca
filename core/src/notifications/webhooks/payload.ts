import { NotificationAction, NotificationKind, NotificationSource, Priority } from "#protocol";
import { z } from "zod";

// What a webhook receiver gets: the Standard Webhooks envelope (`type`, `timestamp`, `data`) plus `version`.
// Receivers branch on `version`, so a change that breaks them is a new version, never an edit of this one:
// adding an optional field is fine; renaming, removing or retyping one is version 2.

export const WEBHOOK_PAYLOAD_VERSION = 1;

export const WEBHOOK_EVENT_TYPES = ["notification.created", "notification.digest", "webhook.test"] as const;
export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

/**
 * A notification's button as a receiver sees it. For approve, deny and retry, `url` is a signed, single-use
 * link that works without signing in until `expires_at` (epoch ms); for open, it is the app's page and
 * `expires_at` is null.
 */
export const WebhookAction = NotificationAction.extend({
  url: z.url(),
  expires_at: z.number().int().nullable(),
});
export type WebhookAction = z.infer<typeof WebhookAction>;

/** A notification in a payload. Times are epoch ms, as in the app's own API; `link` is an absolute URL. */
export const WebhookNotification = z.object({
  id: z.string(),
  kind: NotificationKind,
  title: z.string(),
  body: z.string(),
  priority: Priority,
  source: NotificationSource.nullable(),
  link: z.url().nullable(),
  created_at: z.number().int(),
  actions: z.array(WebhookAction),
});
export type WebhookNotification = z.infer<typeof WebhookNotification>;

const envelope = {
  version: z.literal(WEBHOOK_PAYLOAD_VERSION),
  /** When the event happened (ISO 8601, UTC). The `webhook-timestamp` header is when this attempt was signed. */
  timestamp: z.iso.datetime(),
};

/** Every payload Hearth sends, keyed on `type`. */
export const WebhookPayload = z.discriminatedUnion("type", [
  /** One notification, sent as it happens. */
  z.object({ type: z.literal("notification.created"), ...envelope, data: z.object({ notification: WebhookNotification }) }),
  /** What quiet hours held, sent as one message when they end (`since`/`until`: the held period, epoch ms). */
  z.object({
    type: z.literal("notification.digest"),
    ...envelope,
    data: z.object({ since: z.number().int(), until: z.number().int(), notifications: z.array(WebhookNotification) }),
  }),
  /** Sent from Settings → Webhooks ("Send a test"), so the user can check their receiver. */
  z.object({ type: z.literal("webhook.test"), ...envelope, data: z.object({ endpoint_id: z.string(), message: z.string() }) }),
]);
export type WebhookPayload = z.infer<typeof WebhookPayload>;

/** The `data` of one event type. */
export type WebhookData<T extends WebhookEventType> = Extract<WebhookPayload, { type: T }>["data"];

/**
 * The JSON body for an event, validated on the way out (a payload that breaks the schema throws here, not at
 * the receiver). Store the returned string: it is exactly what is signed and sent on every attempt.
 * @example encodeWebhookPayload("webhook.test", { endpoint_id: "whe_1", message: "It works." }, Date.now())
 */
export function encodeWebhookPayload<T extends WebhookEventType>(type: T, data: WebhookData<T>, at: number): string {
  const payload = WebhookPayload.parse({ type, version: WEBHOOK_PAYLOAD_VERSION, timestamp: new Date(at).toISOString(), data });
  return JSON.stringify(payload);
}
