import { z } from "zod";
import { Command, CommandView, Decision, ErrorCode, GrantScope, MessageView, NotificationAction, NotificationKind, NotificationSource, PermissionRequestView } from "#protocol";

/**
 * The worker ↔ relay RPC contract: every call takes typed arguments (structured clone carries them), and both
 * ends parse them with these schemas, the worker before it sends and the relay on arrival; the worker parses the
 * answers too. Where a value holds JSON of any shape (a command's parameters, a result), its declared RPC type
 * says `unknown`: Workers RPC's types cannot walk the recursive `Json` type ("excessively deep"), and the schema
 * at the receiving end is what checks it anyway.
 */
export const DispatchInput = z.object({
  deviceId: z.string(),
  command: Command,
  deadlineMs: z.number().optional(),
  retryOf: z.string().nullable().optional(),
  /** The user's answer to the assistant's prompt for this command (see `Turns`). */
  decision: Decision.optional(),
});
export type DispatchInput = z.infer<typeof DispatchInput>;
/** `DispatchInput` as the RPC declares it: the command's parameters are `unknown` there (see above). */
export type DispatchArgs = Omit<DispatchInput, "command"> & { command: { target: string; action: string; parameters: Record<string, unknown> } };

const Refused = z.object({ ok: z.literal(false), code: ErrorCode, message: z.string(), field: z.string().optional() });

export const DispatchOutcome = z.discriminatedUnion("ok", [z.object({ ok: z.literal(true), command: CommandView }), Refused]);
export type DispatchOutcome = z.infer<typeof DispatchOutcome>;

export const DecideInput = z.object({ requestId: z.string(), decision: Decision, scope: GrantScope.optional() });
export type DecideInput = z.infer<typeof DecideInput>;

export const DecideOutcome = z.discriminatedUnion("ok", [z.object({ ok: z.literal(true), request: PermissionRequestView }), Refused]);
export type DecideOutcome = z.infer<typeof DecideOutcome>;

/** What the worker hands the relay to start an assistant turn: both messages are already in D1. */
export const TurnInput = z.object({ text: z.string(), userMessage: MessageView, message: MessageView, tzOffset: z.number().int().optional() });
export type TurnInput = z.infer<typeof TurnInput>;

/** What the worker asks the relay to tell the user (the rule for `kind` still decides). */
export const NotifyInput = z.object({
  draft: z.object({
    kind: NotificationKind,
    title: z.string().min(1).max(200),
    body: z.string().max(2000),
    actions: z.array(NotificationAction).optional(),
    source: NotificationSource.nullable().optional(),
    link: z.string().max(500).nullable().optional(),
  }),
  value: z.number().optional(),
});
export type NotifyInput = z.infer<typeof NotifyInput>;
