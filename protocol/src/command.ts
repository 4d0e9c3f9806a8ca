import { z } from "zod";
import { Failure } from "./errors.ts";

/** Any JSON value: what parameters, results and details may hold (and what crosses Durable Object RPC intact). */
export type Json = z.infer<ReturnType<typeof z.json>>;

/** Target and action names are the public vocabulary: lower-case words. */
export const Name = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, { error: "Use a lower-case name like filesystem or list." });

/** The seed's command shape, kept as it was: `{target, action, parameters}`. */
export const Command = z.object({
  target: Name,
  action: Name,
  parameters: z.record(z.string(), z.json()).default({}),
});
export type Command = z.infer<typeof Command>;

/**
 * Where a command is. `awaiting_permission` comes before `queued` when no grant covers it.
 * `done`, `failed` and `expired` are final.
 */
export const COMMAND_STATUSES = ["awaiting_permission", "queued", "sent", "acked", "done", "failed", "expired"] as const;
export const CommandStatus = z.enum(COMMAND_STATUSES);
export type CommandStatus = z.infer<typeof CommandStatus>;

/** One action a connector offers, as the agent advertises it in `hello`. */
export const ActionDescriptor = z.object({
  action: Name,
  description: z.string().max(500),
  /** Read-only actions are safe to run again after a crash; others are reported `interrupted`. */
  read_only: z.boolean(),
  /** JSON Schema of the action's `parameters` object. */
  parameters: z.record(z.string(), z.json()),
  /**
   * Set when the action is a bridged MCP tool: its name on the server. Its `description` is then the server's words,
   * which the assistant passes to a model only as quoted data.
   */
  mcp_tool: z.string().max(200).optional(),
});
export type ActionDescriptor = z.infer<typeof ActionDescriptor>;

export const ConnectorDescriptor = z.object({
  target: Name,
  description: z.string().max(500),
  actions: z.array(ActionDescriptor).max(100),
});
export type ConnectorDescriptor = z.infer<typeof ConnectorDescriptor>;

/** Which user decision let a command through the server's permission gate. */
export const Approval = z.object({
  permission_id: z.string().nullable(),
  /** `once`: the user approved this very command. `until`: a grant with an expiry. `always`: a standing grant. */
  kind: z.enum(["once", "until", "always"]),
  expires_at: z.number().nullable(),
});
export type Approval = z.infer<typeof Approval>;

/** The outcome an agent reports. `data` is the action's output (JSON). */
export const CommandOutcome = z.discriminatedUnion("status", [
  z.object({ status: z.literal("done"), data: z.json() }),
  z.object({ status: z.literal("failed"), error: Failure }),
]);
export type CommandOutcome = z.infer<typeof CommandOutcome>;

/** A command as the API and the browsers see it. Times are epoch milliseconds. */
export const CommandView = z.object({
  id: z.string(),
  device_id: z.string(),
  target: z.string(),
  action: z.string(),
  parameters: z.record(z.string(), z.json()),
  status: CommandStatus,
  /** Per-device order, assigned when the command is queued. */
  seq: z.number().nullable(),
  read_only: z.boolean(),
  created_at: z.number(),
  updated_at: z.number(),
  deadline_at: z.number(),
  result: z.json().optional(),
  error: Failure.optional(),
  /** The command this one retries, if any. */
  retry_of: z.string().nullable(),
});
export type CommandView = z.infer<typeof CommandView>;

/** A command's facts, parsed, as both stores keep them: the relay's queue and the D1 history. */
export type CommandRecord = {
  id: string;
  deviceId: string;
  seq: number | null;
  status: CommandStatus;
  command: Command;
  readOnly: boolean;
  deadlineAt: number;
  createdAt: number;
  updatedAt: number;
  retryOf: string | null;
  result: Json | undefined;
  error: Failure | null;
};

/** The public view of a command, from either store; `result` and `error` appear only when there is one. */
export function commandView(record: CommandRecord): CommandView {
  const view: CommandView = {
    id: record.id,
    device_id: record.deviceId,
    target: record.command.target,
    action: record.command.action,
    parameters: record.command.parameters,
    status: record.status,
    seq: record.seq,
    read_only: record.readOnly,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    deadline_at: record.deadlineAt,
    retry_of: record.retryOf,
  };
  if (record.result !== undefined) view.result = record.result;
  if (record.error) view.error = record.error;
  return view;
}

/** Default and bounds for a command's deadline. */
export const COMMAND_DEFAULT_DEADLINE_MS = 15 * 60_000;
export const COMMAND_MAX_DEADLINE_MS = 7 * 24 * 60 * 60_000;
/** Commands not yet final, per device, before dispatch refuses more. */
export const QUEUE_LIMIT_PER_DEVICE = 1000;
