import { z } from "zod";
import { Approval, Command, CommandOutcome, CommandView, ConnectorDescriptor } from "./command.ts";
import { RefusedEvent } from "./activity.ts";
import { DeviceView } from "./devices.ts";
import { AgentLimits } from "./limits.ts";
import { LocalAuditEntry, McpServerStatus } from "./mcp.ts";
import { ErrorCode } from "./errors.ts";
import { NotificationView } from "./notifications.ts";
import { Decision, PermissionRequestBody, PermissionRequestView } from "./permissions.ts";
import { ImportProfile } from "./statement-layout.ts";

/** The Machine Context Protocol version this build speaks. */
export const PROTOCOL_VERSION = 1;

/** Frames larger than this are refused without being parsed. */
export const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * The close code of a socket that sent more frames or bytes than its budget (relay/src/flood.ts). An `error`
 * frame with code `rate_limited` says so just before; the client may reconnect.
 */
export const CLOSE_FLOODED = 4008;

/** Frame ids are chosen by the sender; a command frame's id is the command's id. */
const FrameId = z.string().min(1).max(128);

const frame = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ v: z.literal(PROTOCOL_VERSION), type: z.literal(type), id: FrameId, ...shape });

/**
 * The heartbeat. A client sends exactly this text and the relay answers with exactly `HEARTBEAT_PONG`
 * without waking up (a hibernation auto-response), so it must match byte for byte.
 */
export const HEARTBEAT_PING = '{"v":1,"type":"ping","id":"hb"}';
export const HEARTBEAT_PONG = '{"v":1,"type":"pong","id":"hb"}';

// ── both ways ────────────────────────────────────────────────────────────────────────────────

/** client → relay: liveness probe; the relay answers `pong` with the same id. */
export const PingFrame = frame("ping", {});
/** relay → client: the answer to `ping`. */
export const PongFrame = frame("pong", {});
/** relay → client: the frame `ref` was refused; the socket stays open. */
export const ErrorFrame = frame("error", {
  code: ErrorCode,
  message: z.string(),
  ref: FrameId.optional(),
});

// ── agent → relay ────────────────────────────────────────────────────────────────────────────

/** agent → relay: the first frame on a socket. Nothing else is accepted before it. */
export const HelloFrame = frame("hello", {
  device_id: z.string(),
  agent_version: z.string().max(40),
  platform: z.string().max(40),
  connectors: z.array(ConnectorDescriptor).max(50),
  /** The agent's local limits (folders, shell programs, apps), so the server can refuse at once what it would refuse. */
  limits: AgentLimits.optional(),
  /**
   * Optional protocol features this agent speaks (see `FEATURES`). An agent that names `"batch"` gets `commands`
   * frames instead of `command` ones, and may send `acks` and `results`. Unknown names are ignored.
   */
  features: z.array(z.string().max(40)).max(20).optional(),
  /** The agent's MCP servers and their tools' states (see mcp.ts); absent from agents without the bridge. */
  mcp_servers: z.array(McpServerStatus).max(50).optional(),
});

/**
 * agent → relay: what the agent offers changed while connected (an MCP server started, stopped, crashed or changed
 * its tools). Replaces the `connectors`, `limits` and `mcp_servers` of its `hello`; the relay answers `ack`.
 */
export const ConnectorsFrame = frame("connectors", {
  connectors: HelloFrame.shape.connectors,
  limits: HelloFrame.shape.limits,
  mcp_servers: HelloFrame.shape.mcp_servers,
});

/**
 * agent → relay: commands local clients ran on the agent (see `LocalAuditEntry`), for the server's audit log. Sent
 * through the agent's durable outbox; the relay answers `ack` once they are stored (a resent entry is stored once).
 */
export const AuditFrame = frame("audit", { entries: z.array(LocalAuditEntry).min(1).max(100) });

/** agent → relay: command `ref` is stored on the machine (before it runs). */
export const AgentAckFrame = frame("ack", { ref: FrameId });

/** What a `result` frame says besides its envelope: also one entry of a `results` frame. */
const ResultBody = z.object({
  command_id: FrameId,
  outcome: CommandOutcome,
  started_at: z.number().nullable(),
  finished_at: z.number(),
});

/** agent → relay: how command `command_id` ended. The relay answers `ack` with `ref` = this frame's id. */
export const ResultFrame = frame("result", ResultBody.shape);

/** Protocol features a client may name in `hello.features`; `welcome.features` echoes the ones the relay will use. */
export const FEATURES = { batch: "batch" } as const;

/** The most commands in one `commands` frame, and results in one `results` frame. */
export const MAX_BATCH = 100;

/**
 * agent → relay (feature `batch`): every command of this device with `seq` ≤ `through_seq` is stored on the machine.
 * Cumulative: one `acks` stands for all before it, so a lost one is made good by the next. A `through_seq` beyond the
 * highest seq the relay sent on this socket is refused (`validation_failed`) and moves nothing.
 */
export const AgentAcksFrame = frame("acks", { through_seq: z.number().int().nonnegative() });

/**
 * agent → relay (feature `batch`): up to `MAX_BATCH` results, each a `result` frame's body. The relay answers one
 * `ack` with `ref` = this frame's id once every result it takes is persisted; results it refuses (an unknown
 * command, another device's) are named in the ack's `refused` by index, with the reason, and are not counted.
 */
export const ResultsFrame = frame("results", { results: z.array(ResultBody).min(1).max(MAX_BATCH) });

/**
 * agent → relay: a batch of activity events; the relay acks the frame once they are stored. Each event is checked
 * on its own: a malformed one is refused (an `error` frame names its index) while the rest are stored.
 */
export const ActivityFrame = frame("activity", { events: z.array(z.unknown()).min(1).max(500) });

/** agent → relay: the machine's own policy asks the user before running `command_id` (or a local request). */
export const AgentPermissionRequestFrame = frame("permission_request", {
  ...PermissionRequestBody.shape,
  command_id: FrameId.nullable(),
  parameters: z.record(z.string(), z.json()).default({}),
});

export const AgentFrame = z.discriminatedUnion("type", [
  PingFrame,
  HelloFrame,
  AgentAckFrame,
  ResultFrame,
  AgentAcksFrame,
  ResultsFrame,
  ActivityFrame,
  AgentPermissionRequestFrame,
  ConnectorsFrame,
  AuditFrame,
]);
export type AgentFrame = z.infer<typeof AgentFrame>;

// ── relay → agent ────────────────────────────────────────────────────────────────────────────

/** relay → agent: the answer to `hello`. Queued commands follow it, in order. */
export const WelcomeFrame = frame("welcome", {
  device_id: z.string(),
  server_time: z.number(),
  /** How often the agent should send the heartbeat. */
  heartbeat_ms: z.number(),
  /** Commands without a result that follow this frame. */
  pending: z.number(),
  /** The features of `hello.features` the relay will use on this socket; absent or empty: single frames only. */
  features: z.array(z.string().max(40)).max(20).optional(),
});

/** What a `command` frame says besides its envelope. */
const CommandBody = z.object({
  seq: z.number().int().nonnegative(),
  command: Command,
  read_only: z.boolean(),
  deadline_at: z.number(),
  approval: Approval,
});

/** relay → agent: run this. `id` is the command's id; a redelivery has the same id and seq. */
export const CommandFrame = frame("command", CommandBody.shape);

/**
 * relay → agent (feature `batch`): up to `MAX_BATCH` commands in ascending `seq`, each a `command` frame's body plus
 * its `id` (the command's id). The agent stores them, then answers one `acks` with the highest seq it stored.
 */
export const CommandsFrame = frame("commands", { commands: z.array(CommandBody.extend({ id: FrameId })).min(1).max(MAX_BATCH) });

/**
 * relay → agent: frame `ref` (a `result`, `results` or `activity`) is stored; the agent may forget it. For a
 * `results` frame, `refused` names the results the relay did not take (by index, with why): resending them changes
 * nothing, so the agent forgets them too and logs the reason. For an `activity` frame,
 * `refused` names the events the server would not store and why: the agent keeps those for the user to see
 * (`hearth status`) instead of dropping them, and the relay records them for the device page.
 */
export const RelayAckFrame = frame("ack", { ref: FrameId, refused: z.array(RefusedEvent).max(500).optional() });

/** relay → agent: the user answered the agent's `permission_request` `ref`. */
export const PermissionUpdateFrame = frame("permission_update", {
  ref: FrameId,
  decision: Decision,
});

/**
 * relay → agent: the user's import profiles (saved CSV layouts), all of them, sent after `welcome` and again whenever
 * they change. The agent keeps the latest set and reads its statements folder with it, as the web upload does.
 */
export const ImportProfilesFrame = frame("import_profiles", { profiles: z.array(ImportProfile).max(200) });

export const RelayToAgentFrame = z.discriminatedUnion("type", [
  PongFrame,
  ErrorFrame,
  WelcomeFrame,
  CommandFrame,
  CommandsFrame,
  RelayAckFrame,
  PermissionUpdateFrame,
  ImportProfilesFrame,
]);
export type RelayToAgentFrame = z.infer<typeof RelayToAgentFrame>;

// ── browser ↔ relay ──────────────────────────────────────────────────────────────────────────

/** browser ↔ relay: the user is typing in `chat_id`; the relay passes it to the user's other tabs. */
export const TypingFrame = frame("typing", { chat_id: z.string().max(128), typing: z.boolean() });

/**
 * browser → relay: the page this tab shows while it is visible (`path`, like "/chat/…"), or null when it is hidden.
 * A notification about what a visible tab shows is stored read and raises no toast: the user is looking at it.
 */
export const ViewingFrame = frame("viewing", { path: z.string().max(500).nullable() });

export const BrowserFrame = z.discriminatedUnion("type", [PingFrame, TypingFrame, ViewingFrame]);
export type BrowserFrame = z.infer<typeof BrowserFrame>;

/** relay → browser: a device came online or went offline. Sent for every device right after connecting. */
export const AgentStatusFrame = frame("agent_status", { device: DeviceView });

/** relay → browser: a command changed state. */
export const CommandUpdateFrame = frame("command_update", { command: CommandView });

/**
 * relay → browser: many commands changed state at once (a batch an agent acked or finished): each one's new state,
 * in one frame instead of one `command_update` each. A single change still comes as `command_update`.
 */
export const CommandUpdatesFrame = frame("command_updates", { commands: z.array(CommandView).min(1).max(MAX_BATCH) });

/** relay → browser: a command or an agent waits for the user's answer; `request.status` says if it is still open. */
export const PermissionPromptFrame = frame("permission_prompt", { request: PermissionRequestView });

/**
 * relay → browser: the assistant started, resumed (after a permission answer) or finished a reply in a chat.
 * Tabs join or rejoin it with GET …/stream.
 */
export const TurnFrame = frame("turn", {
  chat_id: z.string(),
  thread_id: z.string().nullable(),
  message_id: z.string(),
  state: z.enum(["started", "resumed", "finished"]),
});

/** relay → browser: new activity was stored (by a listener, a tool or an upload); dashboards reload. */
export const ActivityStoredFrame = frame("activity_stored", { count: z.number().int().min(1) });

/** relay → browser: a new notification for the in-app channel, and the bell's new unread count. */
export const NotificationFrame = frame("notification", {
  notification: NotificationView,
  unread: z.number().int().min(0),
});

/** relay → browser: notifications were read, dismissed or acted on (maybe in another tab); the new unread count. */
export const NotificationsChangedFrame = frame("notifications_changed", {
  unread: z.number().int().min(0),
  /** The notifications that changed, when known: tabs update them in place. */
  ids: z.array(z.string()).max(1000),
  /** Set when they changed because their source was settled (a request answered): their outcome; their buttons are gone. */
  outcome: z.string().optional(),
});

export const RelayToBrowserFrame = z.discriminatedUnion("type", [
  PongFrame,
  ErrorFrame,
  TypingFrame,
  AgentStatusFrame,
  CommandUpdateFrame,
  CommandUpdatesFrame,
  PermissionPromptFrame,
  TurnFrame,
  ActivityStoredFrame,
  NotificationFrame,
  NotificationsChangedFrame,
]);
export type RelayToBrowserFrame = z.infer<typeof RelayToBrowserFrame>;

export type RelayFrame = RelayToAgentFrame | RelayToBrowserFrame;

// ── builders ─────────────────────────────────────────────────────────────────────────────────

/** What a frame of `type` in union `U` carries besides its envelope (`v`, `type`, `id`). */
export type FrameBody<U, T> = Omit<Extract<U, { type: T }>, "v" | "type" | "id">;

/** Builds frames of one union: the envelope is added here, so no sender writes `v` by hand. The sender picks the id. */
const builder =
  <U extends { type: string }>() =>
  <T extends U["type"]>(type: T, id: string, body: FrameBody<U, T>): { v: typeof PROTOCOL_VERSION; type: T; id: string } & FrameBody<U, T> => ({
    v: PROTOCOL_VERSION,
    type,
    id,
    ...body,
  });

/**
 * relay → browser.
 * @example toBrowser("activity_stored", frameId(), { count: 3 })
 */
export const toBrowser = builder<RelayToBrowserFrame>();
/**
 * relay → agent. A command frame's id is the command's id; a pong's is the ping's.
 * @example toAgent("pong", ping.id, {})
 */
export const toAgent = builder<RelayToAgentFrame>();
/** agent → relay. */
export const fromAgent = builder<AgentFrame>();
/** browser → relay. */
export const fromBrowser = builder<BrowserFrame>();
