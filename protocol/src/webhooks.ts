import { z } from "zod";
import { Cursor } from "./cursor.ts";
import { NOTIFICATION_KINDS, NotificationKind } from "./notifications.ts";

// Settings → Webhooks: the user's endpoints (a URL and which notification kinds it takes), and the log of what
// was sent to each. The signing secret is in an endpoint's answer only when it is made or rotated.

/** How many endpoints one user may have. */
export const MAX_WEBHOOKS = 10;

const WebhookUrl = z
  .string()
  .trim()
  .min(1, { error: "Enter the URL your receiver listens on, like https://hooks.example.com/hearth." })
  .max(2048, { error: "That URL is longer than 2048 characters; use a shorter one." });

const Description = z.string().trim().max(200, { error: "Keep the description under 200 characters." });

/** Which kinds an endpoint takes; empty means every kind. Duplicates are dropped. */
const Kinds = z
  .array(NotificationKind)
  .max(NOTIFICATION_KINDS.length)
  .transform((kinds) => [...new Set(kinds)]);

/** client → API: POST /api/webhooks. */
export const CreateWebhook = z.object({
  url: WebhookUrl,
  description: Description.optional(),
  kinds: Kinds.default([]),
});
export type CreateWebhook = z.input<typeof CreateWebhook>;

/** client → API: PATCH /api/webhooks/:id, any part. `enabled: true` also clears the disabled reason and the failure count. */
export const UpdateWebhook = z
  .object({
    url: WebhookUrl.optional(),
    /** An empty string or null clears it. */
    description: Description.nullable().optional(),
    kinds: Kinds.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), { error: "Send at least one of url, description, kinds or enabled." });
export type UpdateWebhook = z.input<typeof UpdateWebhook>;

export const DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;
/** pending: queued or between retries; delivered: a 2xx came back; failed: retried for 24 hours, then given up. */
export const DeliveryStatus = z.enum(DELIVERY_STATUSES);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

/** An endpoint as the settings page shows it. Never carries the secret. */
export const WebhookView = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  kinds: z.array(NotificationKind),
  enabled: z.boolean(),
  /** Why Hearth turned it off (it kept failing); null when it is on, or when the user turned it off. */
  disabled_reason: z.string().nullable(),
  created_at: z.number(),
  secret_rotated_at: z.number().nullable(),
  /** The newest delivery's status, and when it last changed (delivered, or last attempted, or queued). */
  last_delivery: z.object({ status: DeliveryStatus, at: z.number() }).nullable(),
});
export type WebhookView = z.infer<typeof WebhookView>;

/** API → client: a new endpoint, with its signing secret. The secret is shown this once. */
export const WebhookCreated = z.object({ webhook: WebhookView, secret: z.string() });
export type WebhookCreated = z.infer<typeof WebhookCreated>;

/** API → client: POST /api/webhooks/:id/rotate. The old secret stops working at once. */
export const WebhookRotated = z.object({ webhook: WebhookView, secret: z.string() });
export type WebhookRotated = z.infer<typeof WebhookRotated>;

/** One try of a delivery: what the receiver answered (or why nothing came back), and how fast. */
export const AttemptView = z.object({
  attempted_at: z.number(),
  /** The receiver's HTTP status; null when no response came (timeout, network error, refused target). */
  status_code: z.number().nullable(),
  latency_ms: z.number(),
  /** The start of the response body. */
  response_snippet: z.string().nullable(),
  error: z.string().nullable(),
});
export type AttemptView = z.infer<typeof AttemptView>;

/** The most attempts a delivery's log shows (the newest); `attempts` still counts them all. */
export const MAX_ATTEMPTS_SHOWN = 25;

export const DeliveryView = z.object({
  id: z.string(),
  /** notification.created, notification.digest or webhook.test. */
  event_type: z.string(),
  status: DeliveryStatus,
  attempts: z.number(),
  next_attempt_at: z.number().nullable(),
  delivered_at: z.number().nullable(),
  created_at: z.number(),
  notification_id: z.string().nullable(),
  /** Newest first, at most MAX_ATTEMPTS_SHOWN. */
  attempts_log: z.array(AttemptView),
});
export type DeliveryView = z.infer<typeof DeliveryView>;

/** GET /api/webhooks/:id/deliveries: newest first, paged with `next_before`. */
export const DeliveryQuery = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(20),
  before: Cursor.optional(),
});
export type DeliveryQuery = z.infer<typeof DeliveryQuery>;

export const DeliveryPage = z.object({ deliveries: z.array(DeliveryView), next_before: z.string().nullable() });
export type DeliveryPage = z.infer<typeof DeliveryPage>;
