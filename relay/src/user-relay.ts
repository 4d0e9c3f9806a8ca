import type { Connection, ConnectionContext, WSMessage } from "partyserver";
import { AgentFrame, BrowserFrame, COMMAND_DEFAULT_DEADLINE_MS, HEARTBEAT_PING, HEARTBEAT_PONG, PROTOCOL_VERSION, QUEUE_LIMIT_PER_DEVICE } from "#protocol";
import type { Decision, ErrorCode, Json } from "#protocol";
import { CommandStore, toView } from "./command-store.ts";
import type { QueuedCommand } from "./command-store.ts";
import { D1Sync } from "./d1-sync.ts";
import type { AuditLine, PermissionRequestRecord } from "./d1-sync.ts";
import { loadRules } from "./d1-reads.ts";
import { checkAction, deviceView } from "./devices.ts";
import type { DeviceRecord } from "./devices.ts";
import { frameId, readFrame } from "./frames.ts";
import { approvalFromDecision, approvalFromRule, evaluate, grantFor } from "./permission-rules.ts";
import type { Rule } from "./permission-rules.ts";
import { RELAY_DEVICE_HEADER, RELAY_ROLE_HEADER, RelaySockets } from "./sockets.ts";
import type { SocketState } from "./sockets.ts";
import { RequestStore, requestForCommand, requestView } from "./requests.ts";
import { decisionText, describe } from "./wording.ts";
import { DecideInput, DispatchInput } from "./rpc.ts";
import type { DecideOutcome, DispatchOutcome } from "./rpc.ts";

/** Headers the worker sets after it has authenticated a socket. The worker builds them itself; clients cannot. */
export const RELAY_USER_HEADER = "x-hearth-user";

/** Close codes the agent acts on. */
export const CLOSE_REVOKED = 4001;
export const CLOSE_REPLACED = 4000;

/** How often agents send the heartbeat; the relay answers without waking. */
export const HEARTBEAT_MS = 30_000;
/** Final commands stay in the relay this long, to answer late or repeated frames; D1 keeps them for good. */
const KEEP_FINAL_MS = 24 * 60 * 60_000;
/** Owed commands sent per step when an agent reconnects to a backlog. */
const REDELIVER_CHUNK = 100;
/** When D1 could not be written, try again this soon. */
const SYNC_RETRY_MS = 5_000;



/**
 * One per user: that user's agent and browser sockets, and the durable command queue.
 * Hibernation is on, so nothing lives in fields that cannot be rebuilt: the queue and the D1 outbox are in
 * the object's SQLite, and per-socket facts in the socket attachment (partyserver's connection state).
 */
export class UserRelay extends RelaySockets {

  readonly commands: CommandStore;
  readonly requests: RequestStore;
  readonly sync: D1Sync;
  /**
   * Read-through caches of the user's devices and permission rules, so a dispatch reads nothing from D1.
   * Only memory: hibernation or eviction empties them and the next dispatch reads D1 again. Every writer of
   * those rows tells the relay (hello, revoke, `rulesChanged`, `decide`) before it answers its caller.
   */
  #deviceCache = new Map<string, DeviceRecord>();
  #rulesCache: Rule[] | null = null;
  /** Device → the connection whose backlog is being redelivered right now (see `#redeliver`). */
  #redelivering = new Map<string, string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    this.commands = new CommandStore(sql);
    this.requests = new RequestStore(sql);
    this.sync = new D1Sync(sql, env.DB, ctx.id.name ?? "");
    sql.exec("CREATE TABLE IF NOT EXISTS consumed_grants (id TEXT PRIMARY KEY)");
    // The heartbeat is answered by the runtime itself, so an idle relay can stay hibernated.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT_PING, HEARTBEAT_PONG));
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
    for (const device of await this.loadDevices()) this.send(connection, { v: 1, type: "agent_status", id: frameId(), device: deviceView(device, this.isOnline(device.id)) });
    for (const request of this.requests.pending()) this.send(connection, { v: 1, type: "permission_prompt", id: frameId(), request: requestView(request) });
  }

  override async onMessage(connection: Connection<SocketState>, message: WSMessage): Promise<void> {
    const state = connection.state;
    if (!state) return;
    if (state.role === "browser") return this.#onBrowserMessage(connection, message);
    const read = readFrame(AgentFrame, message);
    if (!read.ok) return this.refuse(connection, read);
    const frame = read.frame;
    if (frame.type === "ping") return this.send(connection, { v: PROTOCOL_VERSION, type: "pong", id: frame.id });
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
        return this.send(connection, { v: PROTOCOL_VERSION, type: "ack", id: frameId(), ref: frame.id });
      case "permission_request":
        return this.#onAgentPermissionRequest(state.deviceId, frame);
      case "activity":
        return this.refuse(connection, { code: "not_ready", message: "Activity ingest is not enabled on this server yet; keep the events and send them later.", ref: frame.id });
    }
  }

  override onClose(connection: Connection<SocketState>): void {
    const state = connection.state;
    if (state?.role !== "agent") return;
    if (this.isOnline(state.deviceId, connection.id)) return;
    this.sync.record({ kind: "device_seen", deviceId: state.deviceId, at: Date.now() });
    void this.broadcastDevice(state.deviceId);
    this.#flushSoon();
  }

  #onBrowserMessage(connection: Connection<SocketState>, message: WSMessage): void {
    const read = readFrame(BrowserFrame, message);
    if (!read.ok) return this.refuse(connection, read);
    const frame = read.frame;
    if (frame.type === "ping") return this.send(connection, { v: PROTOCOL_VERSION, type: "pong", id: frame.id });
    // Typing goes to the user's other tabs only.
    this.toBrowsers(frame, [connection.id]);
  }

  async #onHello(connection: Connection<SocketState>, deviceId: string, hello: { agent_version: string; platform: string; connectors: unknown[] }): Promise<void> {
    const now = Date.now();
    const updated = await this.env.DB.prepare(
      "UPDATE devices SET connectors = ?, agent_version = ?, platform = ?, last_seen_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
    )
      .bind(JSON.stringify(hello.connectors), hello.agent_version, hello.platform, now, deviceId, this.userId)
      .run();
    if (updated.meta.changes === 0) {
      connection.close(CLOSE_REVOKED, "device revoked");
      return;
    }
    this.#deviceCache.delete(deviceId);
    connection.setState({ role: "agent", deviceId, ready: true });
    const pending = this.commands.countOwed(deviceId);
    this.send(connection, { v: PROTOCOL_VERSION, type: "welcome", id: frameId(), device_id: deviceId, server_time: now, heartbeat_ms: HEARTBEAT_MS, pending });
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
    this.#redelivering.set(deviceId, connection.id);
    try {
      let afterSeq = 0;
      for (;;) {
        const chunk = this.commands.owed(deviceId, afterSeq, REDELIVER_CHUNK);
        for (const command of chunk) this.#deliver(connection, command);
        this.#flushSoon();
        const last = chunk.at(-1);
        if (!last?.seq || connection.readyState !== WebSocket.OPEN) return;
        afterSeq = last.seq;
        await scheduler.wait(0);
      }
    } finally {
      // A newer connection of the same device may have started its own pass meanwhile; leave that one be.
      if (this.#redelivering.get(deviceId) === connection.id) this.#redelivering.delete(deviceId);
    }
  }

  #onAgentAck(commandId: string): void {
    const moved = this.commands.move(commandId, "acked", Date.now());
    if (moved) this.#changed(moved, { kind: "command.acked", summary: `${describe(moved)} received by the device` });
    this.#flushSoon();
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
      this.#changed(moved, { kind: `command.${moved.status}`, summary });
    }
    this.#flushSoon();
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
    this.#putRequest(record, { kind: "permission.requested", summary: `The device asks to ${frame.target}.${frame.action}: ${frame.context}`, deviceId, commandId: record.commandId });
    this.#flushSoon();
  }

  // ── RPC from the worker ─────────────────────────────────────────────────────────────────────

  /** RPC: `dispatch`, as JSON text (see rpc.ts). */
  async dispatchJson(input: string): Promise<string> {
    return JSON.stringify(await this.dispatch(DispatchInput.parse(JSON.parse(input))));
  }

  /** RPC: `decide`, as JSON text (see rpc.ts). */
  async decideJson(input: string): Promise<string> {
    const { requestId, decision } = DecideInput.parse(JSON.parse(input));
    return JSON.stringify(await this.decide(requestId, decision));
  }

  /** Accepts a command: it is in this object's SQLite before this returns, gated by the user's permissions. */
  async dispatch(input: DispatchInput): Promise<DispatchOutcome> {
    const checked = checkAction(await this.#device(input.deviceId), input.command);
    if (!checked.ok) return checked;
    if (this.commands.countOpen(input.deviceId) >= QUEUE_LIMIT_PER_DEVICE) {
      return {
        ok: false,
        code: "queue_full",
        message: `This device already has ${QUEUE_LIMIT_PER_DEVICE} commands waiting. Wait for some to finish, or check that \`hearth start\` is running on it.`,
      };
    }
    const now = Date.now();
    const gate = evaluate(await this.#loadRules(), input.command, input.deviceId, now);
    const base = {
      id: crypto.randomUUID(),
      deviceId: input.deviceId,
      command: input.command,
      readOnly: checked.readOnly,
      deadlineAt: now + (input.deadlineMs ?? COMMAND_DEFAULT_DEADLINE_MS),
      createdAt: now,
      retryOf: input.retryOf ?? null,
    };
    let command: QueuedCommand;
    if (gate.effect === "allow") {
      const { rule } = gate;
      if (rule.oneTime) this.ctx.storage.sql.exec("INSERT OR IGNORE INTO consumed_grants (id) VALUES (?)", rule.id);
      command = this.commands.insert({ ...base, status: "queued", approval: approvalFromRule(rule), requestId: null });
      this.#changed(command, { kind: "command.queued", summary: `${describe(command)} queued (allowed by a rule)` });
      if (rule.oneTime) await this.env.DB.prepare("DELETE FROM permissions WHERE id = ? AND user_id = ?").bind(rule.id, this.userId).run();
      command = this.#sendIfOnline(command);
    } else if (gate.effect === "deny") {
      command = this.commands.insert({ ...base, status: "awaiting_permission", approval: null, requestId: null });
      command =
        this.commands.move(command.id, "failed", now, { error: { code: "permission_denied", message: `A permission rule denies ${describe(command)}. Change it in Settings → Permissions.` } }) ?? command;
      this.#changed(command, { kind: "command.failed", summary: `${describe(command)} refused by a permission rule` });
    } else {
      const requestId = crypto.randomUUID();
      command = this.commands.insert({ ...base, status: "awaiting_permission", approval: null, requestId });
      this.#changed(command, { kind: "command.awaiting_permission", summary: `${describe(command)} waits for your permission` });
      this.#putRequest(requestForCommand(requestId, command), null);
    }
    await this.#scheduleAlarm();
    await this.#flushNow();
    return { ok: true, command: toView(command) };
  }

  /** Applies the user's answer to a permission request: grants it leaves, the command it releases or fails. */
  async decide(requestId: string, decision: Decision): Promise<DecideOutcome> {
    const request = this.requests.get(requestId);
    if (!request) return { ok: false, code: "not_found", message: "There is no such permission request. It may have been answered in another tab." };
    if (request.status !== "pending") return { ok: false, code: "conflict", message: `This request was already ${request.status}.` };
    const now = Date.now();
    const grant = grantFor(decision, now);
    if (grant) {
      await this.env.DB.prepare(
        "INSERT INTO permissions (id, user_id, device_id, target, action, scope, effect, one_time, expires_at, created_at) VALUES (?, ?, ?, ?, ?, NULL, 'allow', 0, ?, ?)",
      )
        .bind(crypto.randomUUID(), this.userId, request.deviceId, request.target, request.action, grant.expiresAt, now)
        .run();
      this.#rulesCache = null;
    }
    const allowed = decision !== "deny";
    const answered: PermissionRequestRecord = { ...request, status: allowed ? "allowed" : "denied", decision, decidedAt: now };
    this.#putRequest(answered, {
      kind: allowed ? "permission.granted" : "permission.denied",
      summary: `${decisionText(decision)}: ${request.target}.${request.action}`,
      deviceId: request.deviceId,
      commandId: request.commandId,
      detail: { decision },
    });

    if (request.agentRef) {
      for (const socket of this.getConnections<SocketState>(`device:${request.deviceId}`)) {
        this.send(socket, { v: PROTOCOL_VERSION, type: "permission_update", id: frameId(), ref: request.agentRef, decision });
      }
    } else if (request.commandId) {
      const moved = allowed
        ? this.commands.move(request.commandId, "queued", now, { approval: approvalFromDecision(decision, grant) })
        : this.commands.move(request.commandId, "failed", now, { error: { code: "permission_denied", message: "You denied this command." } });
      if (moved) {
        this.#changed(moved, { kind: `command.${moved.status}`, summary: allowed ? `${describe(moved)} queued (you allowed it)` : `${describe(moved)} denied by you` });
        if (allowed) this.#sendIfOnline(moved);
      }
    }
    await this.#flushNow();
    return { ok: true, request: requestView(answered) };
  }

  /** Ends a device: its socket closes now, and everything it still owed fails. The worker has already revoked its token. */
  async revokeDevice(deviceId: string): Promise<void> {
    this.#deviceCache.delete(deviceId);
    for (const socket of this.getConnections(`device:${deviceId}`)) socket.close(CLOSE_REVOKED, "device revoked");
    const now = Date.now();
    for (const open of this.commands.openFor(deviceId)) {
      const moved = this.commands.move(open.id, "failed", now, { error: { code: "device_revoked", message: "The device was revoked before this finished." } });
      if (moved) this.#changed(moved, { kind: "command.failed", summary: `${describe(moved)} ended: the device was revoked` });
    }
    for (const request of this.requests.pending()) {
      if (request.deviceId === deviceId) this.#putRequest({ ...request, status: "expired", decidedAt: now }, null);
    }
    this.sync.record({ kind: "audit", audit: { kind: "device.revoked", summary: "Device revoked", deviceId, commandId: null } });
    await this.#flushNow();
    await this.broadcastDevice(deviceId);
  }

  /** RPC: the worker changed the user's permission rules in D1; the next dispatch reads them again. */
  rulesChanged(): void {
    this.#rulesCache = null;
  }

  // ── deadlines ───────────────────────────────────────────────────────────────────────────────

  override async onAlarm(): Promise<void> {
    const now = Date.now();
    for (const command of this.commands.overdue(now)) {
      const moved = this.commands.move(command.id, "expired", now, { error: { code: "expired", message: "It did not finish before its deadline. Retry it when the device is online." } });
      if (!moved) continue;
      this.#changed(moved, { kind: "command.expired", summary: `${describe(moved)} expired` });
      const request = moved.requestId ? this.requests.get(moved.requestId) : null;
      if (request?.status === "pending") this.#putRequest({ ...request, status: "expired", decidedAt: now }, null);
    }
    this.commands.prune(now - KEEP_FINAL_MS);
    await this.#flushNow().catch(() => {});
    await this.#scheduleAlarm();
  }

  async #scheduleAlarm(): Promise<void> {
    const candidates = [this.commands.nextDeadline()];
    if (this.sync.pending() > 0) candidates.push(Date.now() + SYNC_RETRY_MS);
    const next = Math.min(...candidates.filter((at): at is number => at !== null));
    if (!Number.isFinite(next)) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || next < current) await this.ctx.storage.setAlarm(next);
  }

  // ── helpers ─────────────────────────────────────────────────────────────────────────────────

  /** Records a state change: D1 (through the outbox) and every open browser. */
  #changed(command: QueuedCommand, line: Omit<AuditLine, "deviceId" | "commandId">): void {
    this.sync.record({ kind: "command", command, audit: { ...line, deviceId: command.deviceId, commandId: command.id, detail: { status: command.status, seq: command.seq } } });
    this.toBrowsers({ v: PROTOCOL_VERSION, type: "command_update", id: frameId(), command: toView(command) });
  }

  #putRequest(record: PermissionRequestRecord, audit: AuditLine | null): void {
    this.requests.put(record);
    this.sync.record({ kind: "request", request: record });
    if (audit) this.sync.record({ kind: "audit", audit });
    this.toBrowsers({ v: PROTOCOL_VERSION, type: "permission_prompt", id: frameId(), request: requestView(record) });
  }

  #sendIfOnline(command: QueuedCommand): QueuedCommand {
    // A backlog is going out: the redelivery loop reaches this command in its turn.
    if (this.#redelivering.has(command.deviceId)) return command;
    let current = command;
    for (const socket of this.getConnections<SocketState>(`device:${command.deviceId}`)) {
      if (socket.state?.role === "agent" && socket.state.ready) current = this.#deliver(socket, current);
    }
    return current;
  }

  /** Sends a command frame; a queued command becomes sent. */
  #deliver(socket: Connection, command: QueuedCommand): QueuedCommand {
    if (command.seq === null || !command.approval) return command;
    this.send(socket, {
      v: PROTOCOL_VERSION,
      type: "command",
      id: command.id,
      seq: command.seq,
      command: command.command,
      read_only: command.readOnly,
      deadline_at: command.deadlineAt,
      approval: command.approval,
    });
    if (command.status !== "queued") return command;
    const moved = this.commands.move(command.id, "sent", Date.now());
    if (!moved) return command;
    this.#changed(moved, { kind: "command.sent", summary: `${describe(moved)} sent to the device` });
    return moved;
  }

  async #loadRules(): Promise<Rule[]> {
    this.#rulesCache ??= await loadRules(this.env.DB, this.userId);
    // A one-time grant is spent here the moment it is used, before D1 has caught up.
    const consumed = new Set(this.ctx.storage.sql.exec<{ id: string }>("SELECT id FROM consumed_grants").toArray().map((r) => r.id));
    return this.#rulesCache.filter((r) => !consumed.has(r.id));
  }

  async #device(deviceId: string): Promise<DeviceRecord | null> {
    const cached = this.#deviceCache.get(deviceId);
    if (cached) return cached;
    const [device] = await this.loadDevices(deviceId);
    if (device) this.#deviceCache.set(deviceId, device);
    return device ?? null;
  }

  async #flushNow(): Promise<void> {
    try {
      await this.sync.flush();
    } catch (error) {
      console.error("relay: D1 sync failed; will retry", error);
      await this.#scheduleAlarm();
    }
  }

  #flushSoon(): void {
    this.ctx.waitUntil(this.#flushNow());
  }
}

