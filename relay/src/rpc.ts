import { z } from "zod";
import { Command, CommandView, Decision, ErrorCode, GrantScope, MessageView, NotificationAction, NotificationKind, NotificationSource, PermissionRequestView } from "#protocol";

/**
 * The worker ↔ relay RPC contract. Calls carry JSON text, parsed with these schemas on arrival: Workers RPC
 * types cannot express recursive JSON values, and parsing keeps the boundary honest anyway.
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
