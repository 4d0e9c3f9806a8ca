import { z } from "zod";
import { Name } from "./command.ts";

/** `*` matches any target or action. */
const NameOrAny = z.union([Name, z.literal("*")]);

/** A server-side permission rule. Deny beats allow; a narrower scope beats a wider one. */
export const PermissionRule = z.object({
  id: z.string(),
  target: NameOrAny,
  action: NameOrAny,
  /** A glob over the command's path parameter (or URL, program, app name); null covers everything. */
  scope: z.string().nullable(),
  effect: z.enum(["allow", "deny"]),
  /** Used up by the first command it lets through. */
  one_time: z.boolean(),
  /** Epoch ms; null never expires. */
  expires_at: z.number().nullable(),
  /** Null applies to every device. */
  device_id: z.string().nullable(),
  created_at: z.number(),
});
export type PermissionRule = z.infer<typeof PermissionRule>;

/** client → API: POST /api/permissions */
export const CreatePermission = z.object({
  target: NameOrAny,
  action: NameOrAny,
  scope: z.string().trim().min(1).max(500).nullable().default(null),
  effect: z.enum(["allow", "deny"]),
  one_time: z.boolean().default(false),
  expires_at: z.number().int().positive().nullable().default(null),
  device_id: z.string().nullable().default(null),
});
export type CreatePermission = z.infer<typeof CreatePermission>;

/** The seed's permission request shape, kept as it was. */
export const PermissionRequestBody = z.object({
  target: Name,
  action: Name,
  context: z.string().max(2000),
  one_time: z.boolean(),
});

/** The four answers a prompt offers. */
export const DECISIONS = ["allow_once", "allow_1h", "allow_always", "deny"] as const;
export const Decision = z.enum(DECISIONS);
export type Decision = z.infer<typeof Decision>;

/** A grant's scope as a client sends it: a glob (see glob.ts), or null for everything. */
export const GrantScope = z.string().trim().min(1).max(500).nullable();

/**
 * client → API: POST /api/permission-requests/:id/decision. `scope` is the one the prompt showed for "Allow for
 * 1 hour" and "Always allow" (see `scopeChoices`); left out, the narrowest is granted. It must cover the request.
 */
export const DecideRequest = z.object({ decision: Decision, scope: GrantScope.optional() });

/** A pending (or answered) request for permission, as browsers see it. */
export const PermissionRequestView = PermissionRequestBody.extend({
  id: z.string(),
  device_id: z.string(),
  command_id: z.string().nullable(),
  /** Who asks: a queued command, the agent itself, or the assistant in a chat. */
  asked_by: z.enum(["command", "agent", "assistant"]),
  parameters: z.record(z.string(), z.json()),
  status: z.enum(["pending", "allowed", "denied", "expired"]),
  decision: Decision.nullable(),
  /** The scope the answer granted, when it left a grant ("for 1 hour", "always"); null means everything. */
  granted_scope: z.string().nullable(),
  created_at: z.number(),
  decided_at: z.number().nullable(),
});
export type PermissionRequestView = z.infer<typeof PermissionRequestView>;

/** One line of the audit log. */
export const AuditEntry = z.object({
  id: z.number(),
  at: z.number(),
  kind: z.string(),
  device_id: z.string().nullable(),
  command_id: z.string().nullable(),
  summary: z.string(),
  detail: z.record(z.string(), z.json()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;
