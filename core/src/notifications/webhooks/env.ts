import { z } from "zod";

// The webhook settings in the environment, read one way by the API, the action links and the relay's sender.
// Each is read on its own: a malformed one reads as unset without taking the others with it.

const WebhookVars = z.object({
  /** "true" lets endpoints use http:// and loopback/private addresses: local development only. */
  WEBHOOKS_ALLOW_PRIVATE: z.string().optional().catch(undefined),
  /** Signs the approve/deny/retry links in payloads; at least 32 characters. */
  ACTION_LINK_SECRET: z.string().min(32).optional().catch(undefined),
  /** The app's address, for absolute links in payloads. */
  PUBLIC_URL: z.url().optional().catch(undefined),
});
export type WebhookEnv = z.infer<typeof WebhookVars>;

/** The webhook settings; absent or malformed ones read as unset. */
export function webhookEnv(env: unknown): WebhookEnv {
  const parsed = WebhookVars.safeParse(env);
  return parsed.success ? parsed.data : {};
}

/** Whether http:// and local targets are allowed: only with WEBHOOKS_ALLOW_PRIVATE="true". */
export const allowsPrivateTargets = (env: WebhookEnv): boolean => env.WEBHOOKS_ALLOW_PRIVATE === "true";
