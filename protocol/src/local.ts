import { z } from "zod";
import { ActivityEvent, RefusedEvent } from "./activity.ts";
import { CommandOutcome, ConnectorDescriptor, Name } from "./command.ts";
import { ErrorCode } from "./errors.ts";

/**
 * The agent's local endpoint: a WebSocket on 127.0.0.1 (port 8765 unless configured) for programs on the same
 * computer, such as the browser extension. It speaks the seed's shapes: `command` `{target, action, parameters}`
 * and `activity` events. Frames are JSON objects `{v: 1, type, id, ...}`, one per message.
 *
 * The first frame must be `local_auth` with the token from the agent's `local-token` file (mode 0600), so only
 * programs that can read the user's files can drive the agent. Browser pages are refused at the upgrade.
 */
export const LOCAL_PROTOCOL_VERSION = 1;

/** The local endpoint's default port. */
export const LOCAL_DEFAULT_PORT = 8765;

const LocalFrameId = z.string().min(1).max(128);

const localFrame = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ v: z.literal(LOCAL_PROTOCOL_VERSION), type: z.literal(type), id: LocalFrameId, ...shape });

// ── local client → agent ─────────────────────────────────────────────────────────────────────

/** local client → agent: the first frame; `token` is the content of the `local-token` file. */
export const LocalAuthFrame = localFrame("local_auth", {
  token: z.string().min(1).max(512),
  /** Who is connecting, for the agent's log and audit (for example "hearth-extension"). */
  client: z.string().max(80).optional(),
});

/** local client → agent: run a command; answered by `result` with `ref` = this frame's id. */
export const LocalCommandFrame = localFrame("command", {
  target: Name,
  action: Name,
  parameters: z.record(z.string(), z.json()).default({}),
});

/** An activity event from a local source. The agent assigns `event_id` when the source has none. */
export const LocalActivityEvent = ActivityEvent.extend({ event_id: ActivityEvent.shape.event_id.optional() });
export type LocalActivityEvent = z.infer<typeof LocalActivityEvent>;

/**
 * local client → agent: activity to report. Each event is checked with the server's own check first; the frame is
 * acked once every event is stored in the agent's durable outbox, or refused whole (an `error` naming each bad event).
 */
export const LocalActivityFrame = localFrame("activity", { events: z.array(LocalActivityEvent).min(1).max(500) });

/** local client → agent: liveness probe, answered by `pong` with `ref` = this frame's id. */
export const LocalPingFrame = localFrame("ping", {});

/**
 * local client → agent: take back command `ref` (a `command` frame's id on this connection) while it waits for the
 * user's answer. It then ends `failed` (`permission_denied`, "cancelled by <client> before you answered"), and nothing
 * runs even if the user approves it in Hearth later. A command that is not waiting (it needed no answer, was
 * answered, or ended; or there is no such command) is not touched: the answer is an `error` with `ref` = this frame.
 */
export const LocalCancelFrame = localFrame("cancel", { ref: LocalFrameId });

export const LocalClientFrame = z.discriminatedUnion("type", [LocalAuthFrame, LocalCommandFrame, LocalActivityFrame, LocalPingFrame, LocalCancelFrame]);
export type LocalClientFrame = z.infer<typeof LocalClientFrame>;

// ── agent → local client ─────────────────────────────────────────────────────────────────────

/** agent → local client: the token was right; commands and activity are accepted from now on. */
export const LocalWelcomeFrame = localFrame("local_welcome", {
  ref: LocalFrameId,
  agent_version: z.string(),
  /** Null until the computer is paired. */
  device_id: z.string().nullable(),
  /** Whether the agent is connected to the Hearth server right now (commands that need the user's approval need it). */
  connected: z.boolean(),
  connectors: z.array(ConnectorDescriptor),
});

/** agent → local client: how command `ref` ended. */
export const LocalResultFrame = localFrame("result", {
  ref: LocalFrameId,
  outcome: CommandOutcome,
});

/** agent → local client: activity frame `ref` is stored durably and will reach the server. */
export const LocalAckFrame = localFrame("ack", { ref: LocalFrameId });

/** agent → local client: the answer to `ping`. */
export const LocalPongFrame = localFrame("pong", { ref: LocalFrameId });

/**
 * agent → local client: frame `ref` was refused. A wrong token also closes the socket; anything else keeps it open.
 * For an `activity` frame with events the server would refuse, `refused` gives each one's index and reason, and
 * none of the frame's events was taken: fix them and send the frame again.
 */
export const LocalErrorFrame = localFrame("error", {
  code: ErrorCode,
  message: z.string(),
  ref: LocalFrameId.optional(),
  refused: z.array(RefusedEvent).optional(),
});

/**
 * agent → local client: the agent's own policy says "ask" about command `ref`, so it asks the user through the
 * Hearth app (the seed's shape); the command's `result` follows once the user answers (or the wait ends, or the
 * client sends `cancel`).
 */
export const LocalPermissionRequestFrame = localFrame("permission_request", {
  ref: LocalFrameId,
  target: z.string(),
  action: z.string(),
  context: z.string(),
  one_time: z.boolean(),
  /** What the command acts on (its first scope: a path, a URL, an app), when it has one. */
  scope: z.string().optional(),
});

export const LocalAgentFrame = z.discriminatedUnion("type", [LocalWelcomeFrame, LocalResultFrame, LocalAckFrame, LocalPongFrame, LocalErrorFrame, LocalPermissionRequestFrame]);
export type LocalAgentFrame = z.infer<typeof LocalAgentFrame>;
