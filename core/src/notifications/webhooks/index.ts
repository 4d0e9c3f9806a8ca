// Webhooks: the building blocks the relay and the API compose. Each is pure or takes its I/O (fetch, D1) as
// an argument, so each is tested on its own.
export { newWebhookSecret, isWebhookSecret, WEBHOOK_SECRET_PREFIX } from "./secret.ts";
export { signedRequest, WEBHOOK_USER_AGENT } from "./sign.ts";
export type { SignedHeaders } from "./sign.ts";
export { WebhookPayload, WebhookNotification, WebhookAction, WebhookEventType, WEBHOOK_EVENT_TYPES, WEBHOOK_PAYLOAD_VERSION, encodeWebhookPayload } from "./payload.ts";
export type { WebhookData } from "./payload.ts";
export { checkTarget } from "./target.ts";
export { webhookEnv, allowsPrivateTargets } from "./env.ts";
export type { WebhookEnv } from "./env.ts";
export type { TargetCheck, TargetOptions, TargetRefusal } from "./target.ts";
export { attemptDelivery, ATTEMPT_DEFAULTS } from "./attempt.ts";
export type { AttemptOptions, AttemptOutcome, AttemptResult, DeliveryEndpoint, DeliveryMessage, FetchLike } from "./attempt.ts";
export { nextAttemptAt, retryCeilingMs, afterDelivery, RETRY_POLICY, DISABLE_AFTER_FAILED_DELIVERIES } from "./backoff.ts";
export { actionLinkUrl, actionToken, readActionToken, issueActionToken, spendActionToken, actionTokenState, ActionClaims, LinkAction, LINK_ACTIONS, ACTION_LINK_TTL_MS } from "./action-links.ts";
export type { ActionTokenCheck, ActionTokenRefusal } from "./action-links.ts";
export { actionOpenerResponse, actionPage, actionPageResponse, actionPageStatus, escapeHtml, ACTION_FORM_HEADERS, ACTION_PAGE_HEADERS } from "./action-page.ts";
export type { ActionPage, ActionPageRefusal } from "./action-page.ts";
