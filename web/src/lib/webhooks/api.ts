import { z } from "zod";
import { DeliveryPage, DeliveryView, WebhookCreated, WebhookRotated, WebhookView } from "#protocol";
import type { CreateWebhook, DeliveryStatus, UpdateWebhook } from "#protocol";
import { api, callParsed } from "#lib/shared/api.ts";

// Settings → Webhooks' calls. The signing secret comes back from `create` and `rotate` only.

const List = z.object({ webhooks: z.array(WebhookView) });
const One = z.object({ webhook: WebhookView });
const Ok = z.object({ ok: z.literal(true) });
const Queued = z.object({ delivery_id: z.string() });
const Resent = z.object({ delivery: DeliveryView });

export const webhooksApi = {
  list: async () => (await callParsed(api.webhooks.$get(), List)).webhooks,
  /** A new endpoint and its secret, to show once. */
  create: (body: CreateWebhook) => callParsed(api.webhooks.$post({ json: body }), WebhookCreated),
  update: async (id: string, body: UpdateWebhook) => (await callParsed(api.webhooks[":id"].$patch({ param: { id }, json: body }), One)).webhook,
  remove: (id: string) => callParsed(api.webhooks[":id"].$delete({ param: { id } }), Ok),
  /** A new secret, to show once; the old one stops working at once. */
  rotate: (id: string) => callParsed(api.webhooks[":id"].rotate.$post({ param: { id } }), WebhookRotated),
  /** Queues a webhook.test delivery; answers its id. */
  test: async (id: string) => (await callParsed(api.webhooks[":id"].test.$post({ param: { id } }), Queued)).delivery_id,
  /** One page of the delivery log, newest first; pass `next_before` as `before` for the next. */
  deliveries: (id: string, before?: string, limit = 20) =>
    callParsed(api.webhooks[":id"].deliveries.$get({ param: { id }, query: { limit: String(limit), ...(before ? { before } : {}) } }), DeliveryPage),
  resend: async (deliveryId: string) => (await callParsed(api.webhooks.deliveries[":id"].resend.$post({ param: { id: deliveryId } }), Resent)).delivery,
};

/** How the log names a delivery's state: a pending one with attempts behind it is being retried. */
export function deliveryStatusLabel(status: DeliveryStatus, attempts: number): string {
  if (status === "delivered") return "Delivered";
  if (status === "failed") return "Failed";
  return attempts > 0 ? "Retrying" : "Queued";
}

const EVENT_LABEL: Record<string, string> = { "notification.created": "Notification", "notification.digest": "Digest", "webhook.test": "Test" };

/** A delivery's event type in words; an unknown one is shown as is. */
export const eventLabel = (type: string) => EVENT_LABEL[type] ?? type;
