import type { z } from "zod";
import type { ActivityFrame, AgentAckFrame, AgentAcksFrame, AgentPermissionRequestFrame, CommandFrame, CommandsFrame, ConnectorsFrame, HelloFrame, PermissionUpdateFrame, ResultFrame } from "#protocol";

// The protocol exports schemas; these are the frame types the agent handles, derived from them.
export type InboundCommand = z.infer<typeof CommandFrame>;
/** A batch of commands (feature `batch`): each entry is a `command` frame's body plus its id. */
export type InboundCommands = z.infer<typeof CommandsFrame>;
export type InboundPermissionUpdate = z.infer<typeof PermissionUpdateFrame>;
export type OutboundResult = z.infer<typeof ResultFrame>;
export type OutboundActivity = z.infer<typeof ActivityFrame>;
export type OutboundHello = z.infer<typeof HelloFrame>;
/** What the agent offers changed while connected (MCP servers): sent as it happens, not kept; the next hello says it again. */
export type OutboundConnectors = z.infer<typeof ConnectorsFrame>;
export type OutboundPermissionRequest = z.input<typeof AgentPermissionRequestFrame>;
/** Frames that go through the durable outbox: they are kept until the relay acks them. */
export type DurableFrame = OutboundResult | OutboundActivity;
export type OutboundAck = z.infer<typeof AgentAckFrame>;
/** "Every command up to this seq is stored here" (feature `batch`). */
export type OutboundAcks = z.infer<typeof AgentAcksFrame>;
