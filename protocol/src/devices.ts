import { z } from "zod";
import { ConnectorDescriptor } from "./command.ts";

/** What an agent says about itself when it pairs. */
export const DeviceInfo = z.object({
  name: z.string().trim().min(1).max(80),
  platform: z.string().trim().min(1).max(40),
  agent_version: z.string().trim().min(1).max(40),
});
export type DeviceInfo = z.infer<typeof DeviceInfo>;

/** agent → API: POST /api/pair/start (no sign-in; the user approves in the browser). */
export const PairStartRequest = DeviceInfo;

/** API → agent: the device-flow codes (RFC 8628, section 3.2). */
export const PairStartResponse = z.object({
  device_code: z.string(),
  /** Short, for a human to type: `ABCD-EFGH`. */
  user_code: z.string(),
  verification_uri: z.string(),
  verification_uri_complete: z.string(),
  /** Seconds. */
  expires_in: z.number(),
  /** Seconds the agent waits between polls. */
  interval: z.number(),
});
export type PairStartResponse = z.infer<typeof PairStartResponse>;

/** agent → API: POST /api/pair/token, polled until approved. Errors use RFC 8628's codes. */
export const PairTokenRequest = z.object({ device_code: z.string().min(1).max(200) });
export const PairTokenResponse = z.object({
  token: z.string(),
  device_id: z.string(),
  user_email: z.string(),
});
export type PairTokenResponse = z.infer<typeof PairTokenResponse>;

/** Users type codes loosely: `abcd efgh`, `ABCD-EFGH` and `abcdefgh` are the same code. */
export const UserCode = z
  .string({ error: "Enter the code that `hearth pair` printed." })
  .transform((code) => code.toUpperCase().replace(/[^A-Z0-9]/g, ""))
  .pipe(z.string().length(8, { error: "The code has 8 letters, like ABCD-EFGH." }));

/** browser → API: POST /api/pair/approve and /api/pair/deny */
export const PairDecisionRequest = z.object({ user_code: UserCode });

/**
 * browser → API: GET /api/pair/lookup?user_code= shows what is asking before the user approves, and where it asked
 * from: a code someone else started (a phishing link) shows their address, and `same_network` is false.
 */
export const PairLookupResponse = DeviceInfo.extend({
  user_code: z.string(),
  expires_at: z.number(),
  started_at: z.number(),
  /** The address `hearth pair` called from, and "City, CC" when the edge knew it. */
  started_from: z.object({ ip: z.string().nullable(), place: z.string().nullable() }),
  /** Whether that address is the browser's own: false is the warning sign. */
  same_network: z.boolean(),
});
export type PairLookupResponse = z.infer<typeof PairLookupResponse>;

/** A paired device, as the API and browsers see it. */
export const DeviceView = DeviceInfo.extend({
  id: z.string(),
  status: z.enum(["online", "offline", "revoked"]),
  created_at: z.number(),
  last_seen_at: z.number().nullable(),
  revoked_at: z.number().nullable(),
  connectors: z.array(ConnectorDescriptor),
  /** The folders the agent may use, as it shows them (`~/Documents`); null when it has not said. */
  folders: z.array(z.string()).nullable().optional(),
});
export type DeviceView = z.infer<typeof DeviceView>;

/** An activity event from this device that the server refused, kept so the user sees it and why. */
export const RefusedActivityView = z.object({
  id: z.string(),
  event_id: z.string(),
  reason: z.string(),
  /** The event as the agent sent it (JSON text, cut to 4 KiB). */
  event: z.string(),
  created_at: z.number(),
});
export type RefusedActivityView = z.infer<typeof RefusedActivityView>;
