import { z } from "zod";
import { Command, COMMAND_MAX_DEADLINE_MS } from "./command.ts";
import { Cursor } from "./cursor.ts";

/** client → API: POST /api/commands — run a command on one of the user's devices. */
export const DispatchRequest = z.object({
  device_id: z.string().min(1),
  command: Command,
  /** How long the command may wait and run before it expires. Defaults to 15 minutes. */
  deadline_ms: z.number().int().min(1000).max(COMMAND_MAX_DEADLINE_MS).optional(),
});
export type DispatchRequest = z.infer<typeof DispatchRequest>;

/** Pagination over the audit log, newest first: pass the previous page's `next_before` (an entry id) as `before`. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().positive().optional(),
});

/** GET /api/commands, newest first: pass the previous page's `next_before` cursor as `before`. */
export const CommandListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: Cursor.optional(),
  device_id: z.string().optional(),
});

export const PermissionRequestListQuery = z.object({
  status: z.enum(["pending", "allowed", "denied", "expired"]).optional(),
});
