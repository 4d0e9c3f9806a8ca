import type { Connection, ConnectionContext, WSMessage } from "partyserver";
import { z } from "zod";
import { AgentFrame, BrowserFrame, CLOSE_FLOODED, toAgent, toBrowser } from "#protocol";
import type { Decision, ErrorCode, Json, PermissionRequestView } from "#protocol";
import type { PermissionPrompt } from "../../worker/src/assistant/graph.ts";
import { createChatModel, modelEnv } from "../../worker/src/assistant/model.ts";
import type { AssistantCapability } from "../../worker/src/assistant/tools.ts";
import type { PermissionRequestRecord } from "./d1-sync.ts";
import { ingestActivities } from "../../worker/src/activities/ingest.ts";
import { recordRefusals } from "./activity-refusals.ts";
import { FloodGuard, SOCKET_BUDGETS } from "./flood.ts";
import { checkLimits, deviceView, parseConnectors } from "./devices.ts";
import { frameId, readFrame } from "./frames.ts";
import { evaluate } from "./permission-rules.ts";
import { CLOSE_REPLACED, CLOSE_REVOKED, HEARTBEAT_MS, QueueRelay, RELAY_USER_HEADER } from "./queue-relay.ts";
import { requestView } from "./requests.ts";
import { describe } from "./wording.ts";
import { TurnInput } from "./rpc.ts";
import { RELAY_DEVICE_HEADER, RELAY_ROLE_HEADER } from "./sockets.ts";
import type { ConnectionRole, SocketState } from "./sockets.ts";
import { Turns } from "./turns.ts";
import type { TurnHost } from "./turns.ts";

export { CLOSE_REPLACED, CLOSE_REVOKED, HEARTBEAT_MS, RELAY_USER_HEADER };

/** Close code for every socket when the account is deleted: the agent stops and says to pair again. */
export const CLOSE_ACCOUNT_DELETED = 4002;

/** Finished turns' events are kept this long, for late readers of their streams. */
const KEEP_TURN_EVENTS_MS = 24 * 60 * 60_000;
/** Owed commands sent per step when an agent reconnects to a backlog. */
const REDELIVER_CHUNK = 100;

/**
 * One per user: that user's agent and browser sockets, the durable command queue (`QueueRelay`), and the
 * assistant's turns, which run here so a turn can dispatch a command and wait for its result in one place,
 * and outlive the request that started it.
 */
export class UserRelay extends QueueRelay {
  readonly turns: Turns;
  /** Set by `wipe`: the storage is gone, so the closing sockets' bookkeeping must not touch it. */
  #wiped = false;
  readonly #flood = new FloodGuard();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const host: TurnHost = {
      db: env.DB,
      userId: () => this.userId,
      model: createChatModel(modelEnv(env)),
      capabilities: () => this.#capabilities(),
      gate: async (command, deviceId) => {
        // What the agent would refuse anyway is refused now, in its words, and never prompted for.
        const refused = checkLimits(await this.deviceFor(deviceId), command);
        return refused ? { refused } : evaluate(await this.loadRules(), command, deviceId, Date.now()).effect;
      },
      dispatchForTurn: (deviceId, command, decision) => this.dispatch({ deviceId, command, ...(decision ? { decision } : {}) }),
      deviceOnline: (deviceId) => this.isOnline(deviceId),
      watchCommand: (commandId, onChange) => this.watchCommand(commandId, onChange),
      askForTurn: (prompt) => this.#askForTurn(prompt),
      keepAlive: (work) => ctx.waitUntil(work),
      withdrawPrompt: (requestId) => {
        const request = this.requests.get(requestId);
        if (request?.status === "pending") this.putRequest({ ...request, status: "expired", decidedAt: Date.now() }, null);
        this.flushSoon();
      },
      announce: (turn, state) => this.toBrowsers(toBrowser("turn", frameId(), { chat_id: turn.chatId, thread_id: turn.threadId, message_id: turn.id, state })),
    };
    this.turns = new Turns(ctx.storage.sql, host);
    ctx.waitUntil(this.turns.recoverInterrupted());
  }

  override async onAlarm(): Promise<void> {
    // Finished turns' events only serve streams; D1 keeps the messages.
    this.turns.store.prune(Date.now() - KEEP_TURN_EVENTS_MS);
    await super.onAlarm();
  }

  // ── sockets ─────────────────────────────────────────────────────────────────────────────────

  override async onConnect(connection: Connection<SocketState>, { request }: ConnectionContext): Promise<void> {
    const role = request.headers.get(RELAY_ROLE_HEADER);
    const deviceId = request.headers.get(RELAY_DEVICE_HEADER);
    // The worker authenticates before forwarding; a socket without identity never came through it.
    if (request.headers.get(RELAY_USER_HEADER) !== this.userId || (role !== "browser" && role !== "agent") || (role === "agent" && !deviceId)) {
      connection.close(1008, "unauthenticated");
      return;
    }
    if (role === "agent" && deviceId) {
      // One live socket per device: a reconnect replaces a socket the network has not noticed is dead.
      for (const other of this.getConnections(`device:${deviceId}`)) if (other.id !== connection.id) other.close(CLOSE_REPLACED, "replaced by a newer connection");
      connection.setState({ role: "agent", deviceId, ready: false });
      return;
    }
    connection.setState({ role: "browser" });
    for (const device of await this.loadDevices()) this.send(connection, toBrowser("agent_status", frameId(), { device: deviceView(device, this.isOnline(device.id)) }));
    for (const request of this.requests.pending()) this.send(connection, toBrowser("permission_prompt", frameId(), { request: requestView(request) }));
  }

  override async onMessage(connection: Connection<SocketState>, message: WSMessage): Promise<void> {
    const state = connection.state;
    if (!state) return;
    // Charged before anything reads the frame, so a flood costs the relay next to nothing and is cut off.
    const admission = this.#flood.admit(connection.id, state.role, typeof message === "string" ? message.length : message.byteLength, Date.now());
    if (admission === "ignore") return;
    if (admission === "shed") return this.#shed(connection, state.role);
    if (state.role === "browser") return this.#onBrowserMessage(connection, message);
    const read = readFrame(AgentFrame, message, SOCKET_BUDGETS.agent.maxFrame);
    if (!read.ok) return this.refuse(connection, read);
    const frame = read.frame;
    if (frame.type === "ping") return this.send(connection, toAgent("pong", frame.id, {}));
    if (frame.type === "hello") {
      if (frame.device_id !== state.deviceId) return this.refuse(connection, { code: "validation_failed", message: "hello.device_id does not match this agent's token. Pair again.", ref: frame.id });
      return this.#onHello(connection, state.deviceId, frame);
    }
    if (!state.ready) return this.refuse(connection, { code: "not_ready", message: "Send hello first.", ref: frame.id });
    switch (frame.type) {
      case "ack":
        return this.#onAgentAck(frame.ref);
      case "result":
        this.#onResult(frame.command_id, frame.outcome);
        return this.send(connection, toAgent("ack", frameId(), { ref: frame.id }));
      case "permission_request":
        return this.#onAgentPermissionRequest(state.deviceId, frame);
      case "activity":
        return this.#onActivity(connection, state.deviceId, frame);
    }
  }

  /** Closes a socket that went over its budget, after telling it why. */
  #shed(connection: Connection<SocketState>, role: ConnectionRole): void {
    const who = role === "agent" ? "This agent" : "This tab";
    this.refuse(connection, {
      code: "rate_limited",
      message: `${who} sent more frames or bytes than the relay takes from one socket, so its socket was closed. It reconnects by itself; send less at once.`,
    });
    try {
      connection.close(CLOSE_FLOODED, "sent too much too fast");
    } catch {
      // Closed under us already.
    }
  }

  override onClose(connection: Connection<SocketState>): void {
    this.#flood.forget(connection.id);
    const state = connection.state;
    if (state?.role !== "agent" || this.#wiped) return;
    if (this.isOnline(state.deviceId, connection.id)) return;
    this.sync.record({ kind: "device_seen", deviceId: state.deviceId, at: Date.now() });
    void this.broadcastDevice(state.deviceId);
    this.flushSoon();
    this.ctx.waitUntil(this.#wentOffline(state.deviceId));
  }

  /** Starts the clock on "agent offline": the user hears of it if it stays away past their rule's minutes. */
  async #wentOffline(deviceId: string): Promise<void> {
    const device = await this.deviceFor(deviceId).catch(() => null);
    // A revoked device's end was the user's own doing.
    if (!device || device.revokedAt !== null) return;
    await this.notifier.agentWentOffline(deviceId, device.name).catch((error: unknown) => console.error("relay: offline watch failed", error));
  }

  #onBrowserMessage(connection: Connection<SocketState>, message: WSMessage): void {
    const read = readFrame(BrowserFrame, message, SOCKET_BUDGETS.browser.maxFrame);
    if (!read.ok) return this.refuse(connection, read);
    const frame = read.frame;
    if (frame.type === "ping") return this.send(connection, toBrowser("pong", frame.id, {}));
    if (frame.type === "viewing") {
      connection.setState({ role: "browser", viewing: frame.path });
      return;
    }
    // Typing goes to the user's other tabs only.
    this.toBrowsers(frame, [connection.id]);
  }

  async #onHello(connection: Connection<SocketState>, deviceId: string, hello: { agent_version: string; platform: string; connectors: unknown[]; limits?: unknown }): Promise<void> {
    const now = Date.now();
    const updated = await this.env.DB.prepare(
      "UPDATE devices SET connectors = ?, limits = ?, agent_version = ?, platform = ?, last_seen_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
    )
      .bind(JSON.stringify(hello.connectors), hello.limits === undefined ? null : JSON.stringify(hello.limits), hello.agent_version, hello.platform, now, deviceId, this.userId)
      .run();
    if (updated.meta.changes === 0) {
      connection.close(CLOSE_REVOKED, "device revoked");
      return;
    }
    this.deviceCache.delete(deviceId);
    this.notifier.agentCameBack(deviceId);
    connection.setState({ role: "agent", deviceId, ready: true });
    const pending = this.commands.countOwed(deviceId);
    this.send(connection, toAgent("welcome", frameId(), { device_id: deviceId, server_time: now, heartbeat_ms: HEARTBEAT_MS, pending }));
    // The first chunk goes out, and new commands start waiting their turn, before anything here awaits.
    const redelivery = this.#redeliver(connection, deviceId);
    await this.broadcastDevice(deviceId);
    await redelivery;
  }

  /**
   * Everything without a result goes again, in `seq` order; the agent dedupes by id. A long backlog goes in
   * chunks, yielding between them, so acks, results and other users' requests are served meanwhile. Until the
   * backlog is through, new commands for the device wait their turn here instead of overtaking it.
   */
  async #redeliver(connection: Connection<SocketState>, deviceId: string): Promise<void> {
    this.redelivering.set(deviceId, connection.id);
    try {
      let afterSeq = 0;
      for (;;) {
        const chunk = this.commands.owed(deviceId, afterSeq, REDELIVER_CHUNK);
        for (const command of chunk) this.deliver(connection, command);
        this.flushSoon();
        const last = chunk.at(-1);
        if (!last?.seq || connection.readyState !== WebSocket.OPEN) return;
        afterSeq = last.seq;
        await scheduler.wait(0);
      }
    } finally {
      // A newer connection of the same device may have started its own pass meanwhile; leave that one be.
      if (this.redelivering.get(deviceId) === connection.id) this.redelivering.delete(deviceId);
    }
  }

  /**
   * Stores a batch of activity and acks the frame only once D1 has committed it, so the agent keeps the events
   * until they are safe. Refused events are named in an `error` frame and in the ack, and recorded for the device
   * page; the rest are stored and the frame acked.
   */
  async #onActivity(connection: Connection<SocketState>, deviceId: string, frame: { id: string; events: unknown[] }): Promise<void> {
    let result;
    try {
      result = await ingestActivities(this.env.DB, this.userId, { deviceId, source: "agent", events: frame.events });
    } catch (error) {
      console.error("relay: activity ingest failed", error);
      return this.refuse(connection, { code: "internal", message: "The activity could not be stored just now; keep it and send it again later.", ref: frame.id });
    }
    if (result.rejected.length > 0) {
      // Kept for the device page before the ack lets the agent forget them; if this write fails the agent sends
      // the frame again, and the stored events are only duplicates then.
      try {
        await recordRefusals(this.env.DB, this.userId, { deviceId, frameId: frame.id, events: frame.events, refused: result.rejected });
      } catch (error) {
        console.error("relay: recording refused activity failed", error);
        return this.refuse(connection, { code: "internal", message: "The activity could not be stored just now; keep it and send it again later.", ref: frame.id });
      }
      const which = result.rejected.slice(0, 5).map((r) => `#${r.index}: ${r.reason}`).join("; ");
      this.refuse(connection, { code: "validation_failed", message: `${result.rejected.length} of ${frame.events.length} events were refused (${which}).`, ref: frame.id });
    }
    // The refused events travel with the ack, so the agent keeps them (with their reason) instead of dropping them.
    this.send(connection, toAgent("ack", frameId(), { ref: frame.id, ...(result.rejected.length > 0 ? { refused: result.rejected } : {}) }));
    this.#stored(result.fresh);
  }

  /** RPC (and the agent path): new activity is in D1 (these ids); dashboards reload, and notable rows notify. */
  activityStored(freshIds: string[]): void {
    this.#stored(z.array(z.string()).max(100_000).parse(freshIds));
  }

  #stored(ids: string[]): void {
    if (ids.length === 0) return;
    this.toBrowsers(toBrowser("activity_stored", frameId(), { count: ids.length }));
    this.ctx.waitUntil(this.notifier.activityStored(ids).catch((error: unknown) => console.error("relay: activity notices failed", error)));
  }

  #onAgentAck(commandId: string): void {
    const moved = this.commands.move(commandId, "acked", Date.now());
    if (moved) this.changed(moved, { kind: "command.acked", summary: `${describe(moved)} received by the device` });
    this.flushSoon();
  }

  #onResult(commandId: string, outcome: { status: "done"; data?: Json } | { status: "failed"; error: { code: ErrorCode; message: string } }): void {
    const now = Date.now();
    const moved =
      outcome.status === "done"
        ? this.commands.move(commandId, "done", now, { result: outcome.data ?? null })
        : this.commands.move(commandId, "failed", now, { error: outcome.error });
    // A repeated result, or one for a command that already expired, changes nothing: it is only acked.
    if (moved) {
      const summary = moved.status === "done" ? `${describe(moved)} finished` : `${describe(moved)} failed: ${moved.error?.message ?? ""}`;
      this.changed(moved, { kind: `command.${moved.status}`, summary });
    }
    this.flushSoon();
  }

  #onAgentPermissionRequest(deviceId: string, frame: { id: string; target: string; action: string; context: string; one_time: boolean; command_id: string | null; parameters: Record<string, Json> }): void {
    const record: PermissionRequestRecord = {
      id: crypto.randomUUID(),
      deviceId,
      commandId: frame.command_id && this.commands.get(frame.command_id) ? frame.command_id : null,
      agentRef: frame.id,
      target: frame.target,
      action: frame.action,
      context: frame.context,
      parameters: frame.parameters,
      oneTime: frame.one_time,
      status: "pending",
      decision: null,
      createdAt: Date.now(),
      decidedAt: null,
    };
    this.putRequest(record, { kind: "permission.requested", summary: `The device asks to ${frame.target}.${frame.action}: ${frame.context}`, deviceId, commandId: record.commandId });
    this.flushSoon();
  }


  /**
   * RPC: the account is being deleted. Agents hear it (close 4002) and stop, every tab's socket closes, and all
   * this object stored goes with its alarm. The worker deletes the D1 rows after this; a write still in flight
   * here then fails on D1's foreign keys rather than leaving a row behind.
   */
  async wipe(): Promise<void> {
    this.#wiped = true;
    for (const socket of this.getConnections()) socket.close(CLOSE_ACCOUNT_DELETED, "account deleted");
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  // ── the assistant's turns ───────────────────────────────────────────────────────────────────

  /** RPC: starts a turn (the worker has stored both messages) and returns its SSE stream. */
  startTurn(input: string): ReadableStream<Uint8Array> {
    return this.turns.start(TurnInput.parse(JSON.parse(input)));
  }

  /** RPC: a turn's events after number `after`, then live until it ends; null for a turn this relay never ran. */
  followTurn(turnId: string, after: number): ReadableStream<Uint8Array> | null {
    return this.turns.store.get(turnId) ? this.turns.store.stream(turnId, after) : null;
  }

  /** RPC: stops a turn; false when it already ended. */
  stopTurn(turnId: string): boolean {
    return this.turns.stop(turnId);
  }

  async #capabilities(): Promise<AssistantCapability[]> {
    const capabilities: AssistantCapability[] = [];
    for (const device of await this.loadDevices()) {
      if (device.revokedAt !== null) continue;
      for (const connector of parseConnectors(device.connectors)) {
        for (const action of connector.actions) {
          capabilities.push({ deviceId: device.id, deviceName: device.name, target: connector.target, action: action.action, readOnly: action.read_only, parameters: action.parameters });
        }
      }
    }
    // Online devices first: the graph picks the first device that offers an action.
    return capabilities.sort((a, b) => Number(this.isOnline(b.deviceId)) - Number(this.isOnline(a.deviceId)));
  }

  #askForTurn(prompt: PermissionPrompt): PermissionRequestView {
    const record: PermissionRequestRecord = {
      id: crypto.randomUUID(),
      deviceId: prompt.deviceId,
      commandId: null,
      agentRef: null,
      target: prompt.command.target,
      action: prompt.command.action,
      context: `The assistant wants to run ${prompt.summary}.`,
      parameters: prompt.command.parameters,
      oneTime: true,
      status: "pending",
      decision: null,
      createdAt: Date.now(),
      decidedAt: null,
    };
    this.putRequest(record, { kind: "permission.requested", summary: `The assistant asks to run ${prompt.summary}`, deviceId: prompt.deviceId, commandId: null });
    this.flushSoon();
    return requestView(record);
  }

  protected override chatOfCommand(commandId: string): string | null {
    return this.turns.store.chatOfCommand(commandId);
  }

  protected override afterDecision(request: PermissionRequestRecord, decision: Decision): void {
    this.turns.resume(request.id, decision);
  }
}
