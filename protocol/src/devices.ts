import { z } from "zod";
import { ConnectorDescriptor } from "./command.ts";
import { McpServerStatus } from "./mcp.ts";

/** What an agent says about itself when it pairs. */
export const DeviceInfo = z.object({
  name: z.string().trim().min(1).max(80),
  platform: z.string().trim().min(1).max(40),
  agent_version: z.string().trim().min(1).max(40),
});
export type DeviceInfo = z.infer<typeof DeviceInfo>;

/** The secret part of an install line (`…/install.sh?k=<key>`): 32 url-safe characters. */
export const InstallKey = z.string().regex(/^[A-Za-z0-9_-]{32}$/, { error: "An install key is the 32 characters after `k=` in the install line." });

/**
 * agent → API: POST /api/pair/start (no sign-in; the user approves in the browser). `install_key` comes from the
 * install line the user copied, so the page that showed it can offer this pairing's code for one-click approval.
 */
export const PairStartRequest = DeviceInfo.extend({ install_key: InstallKey.optional() });

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

/** browser → API: POST /api/pair/install-links answers the lines to paste, valid for 30 minutes. */
export const InstallLinkResponse = z.object({
  key: z.string(),
  expires_at: z.number(),
  commands: z.object({
    /** Linux and macOS: `curl -fsSL <origin>/install.sh?k=<key> | sh`. */
    unix: z.string(),
    /** Windows PowerShell: `irm <origin>/install.ps1?k=<key> | iex`. */
    windows: z.string(),
  }),
});
export type InstallLinkResponse = z.infer<typeof InstallLinkResponse>;

/** Where an install line's pairing stands; the page polls it and approves with `/api/pair/approve` and its code. */
export const InstallLinkStatus = z.object({
  expires_at: z.number(),
  /** The pairing this link started (a link starts one), or null while nobody has run it. */
  pairing: z
    .object({
      user_code: z.string(),
      name: z.string(),
      platform: z.string(),
      agent_version: z.string(),
      started_at: z.number(),
      started_from: z.object({ ip: z.string().nullable(), place: z.string().nullable() }),
      status: z.enum(["pending", "approved", "denied", "consumed"]),
      /** Set once the agent has collected its token. */
      device_id: z.string().nullable(),
    })
    .nullable(),
});
export type InstallLinkStatus = z.infer<typeof InstallLinkStatus>;

/** A paired device, as the API and browsers see it. */
export const DeviceView = DeviceInfo.extend({
  id: z.string(),
  status: z.enum(["online", "offline", "revoked"]),
  created_at: z.number(),
  last_seen_at: z.number().nullable(),
  revoked_at: z.number().nullable(),
  connectors: z.array(ConnectorDescriptor),
  /** The agent's MCP servers, as it last reported them (empty for agents without the bridge). */
  mcp_servers: z.array(McpServerStatus).default([]),
  /** The folders the agent may use, as it shows them (`~/Documents`); null when it has not said. */
  folders: z.array(z.string()).nullable().optional(),
  /** The agent version this server offers (null: no agent build), and whether this device runs an older one. */
  latest_agent_version: z.string().nullable(),
  update_available: z.boolean(),
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
