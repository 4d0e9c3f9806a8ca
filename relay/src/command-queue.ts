import type { Connection } from "partyserver";
import { and, eq } from "drizzle-orm";
import { COMMAND_DEFAULT_DEADLINE_MS, MAX_BATCH, QUEUE_LIMIT_PER_DEVICE, commandView, toAgent, toBrowser } from "#protocol";
import type { FrameBody, RelayToAgentFrame } from "#protocol";
import type { CommandView, Decision, NotificationSource } from "#protocol";
import { openDb, schema } from "../../core/src/db/index.ts";
import type { NotificationDraft } from "../../core/src/notifications/store.ts";
import { CommandStore } from "./command-store.ts";
import type { QueuedCommand } from "./command-store.ts";
import { D1Sync } from "./d1-sync.ts";
import type { AuditLine, PermissionRequestRecord, SyncEntry } from "./d1-sync.ts";
import { loadRules } from "./d1-reads.ts";
import { checkAction } from "./devices.ts";
import type { DeviceRecord } from "./devices.ts";
import { FRAME_BUDGET, frameId, framesOf, oversize } from "./frames.ts";
import type { RelayMemory } from "./memory.ts";
import { commandNotification, commandsFinishedNotification, requestNotification } from "./notices.ts";
import type { NotifyOptions } from "./notifier.ts";
import { approvalFromDecision, approvalFromRule, evaluate, grantFor } from "./permission-rules.ts";
import type { Rule } from "./permission-rules.ts";
import { recordGrant } from "./grants.ts";
import { RequestStore, requestForCommand, requestView } from "./requests.ts";
import type { DecideOutcome, DispatchInput, DispatchOutcome } from "./rpc.ts";
import { CLOSE_REVOKED } from "./sockets.ts";
import type { SocketState, Sockets } from "./sockets.ts";
import { consumedGrants } from "./storage/index.ts";
import type { RelayDb } from "./storage/index.ts";
import { decisionText, describe, requestOutcome } from "./wording.ts";

/** The largest command (as JSON) dispatch takes: with its id, seq, approval and envelope it still fits one frame. */
export const MAX_COMMAND_BYTES = FRAME_BUDGET - 4096;

/** Final commands stay in the relay this long, to answer late or repeated frames; D1 keeps them for good. */
const KEEP_FINAL_MS = 24 * 60 * 60_000;

/** What the queue needs from the relay that holds it. */
export interface QueueHost {
  readonly db: D1Database;
  readonly storage: RelayDb;
  readonly memory: RelayMemory;
  readonly sockets: Sockets;
  userId(): string;
  /** Keeps the object alive for work the caller does not wait for (`ctx.waitUntil`). */
  keepAlive(work: Promise<unknown>): void;
  /** Sets the relay's alarm for the earliest work due (deadlines, a D1 retry, notices). */
  scheduleAlarm(): Promise<void>;
  /** Sets the relay's alarm for `at`, unless it is set sooner already. */
  wakeAt(at: number): Promise<void>;
  /** Tells the user, if their rule for the kind says so. */
  notify(draft: NotificationDraft, options: NotifyOptions): Promise<unknown>;
  /** A source was settled: its notifications say so and offer no buttons any more. */
  settle(source: NotificationSource, outcome: string): Promise<void>;
  /** `decide` has recorded an answer: the assistant turn that asked, if any, goes on. */
  afterDecision(request: PermissionRequestRecord, decision: Decision): void;
}

/**
 * The relay's durable command queue and permission gate, as the worker calls them (`dispatch`, `decide`,
 * `revokeDevice`), as the agent's frames move commands on, and as deadlines expire them. The queue and the D1
 * outbox are in the object's SQLite; its caches are in `RelayMemory`.
 */
export class CommandQueue {
  readonly commands: CommandStore;
  readonly requests: RequestStore;
  readonly sync: D1Sync;
  readonly #host: QueueHost;
  /** Read on every dispatch, so built once. */
  readonly #consumedGrants;

  constructor(host: QueueHost) {
    this.#host = host;
    this.#consumedGrants = host.storage.select().from(consumedGrants).prepare();
    this.commands = new CommandStore(host.storage);
    this.requests = new RequestStore(host.storage);
    this.sync = new D1Sync(host.storage, host.db, host.userId(), host.memory.outbox);
  }

  /** Accepts a command: it is in this object's SQLite before this returns, gated by the user's permissions. */
  async dispatch(input: DispatchInput): Promise<DispatchOutcome> {
    // Before any prompt: what the agent would refuse for its local limits is refused now, in its words.
    const checked = checkAction(await this.deviceFor(input.deviceId), input.command);
    if (!checked.ok) return checked;
    // Every command must fit a frame of its own to the agent, whatever path it came by (the API's 1 MiB body
    // limit is not enough: an assistant turn has none, and the frame adds its envelope).
    const size = oversize(JSON.stringify(input.command), MAX_COMMAND_BYTES);
    if (size !== null) {
      return { ok: false, code: "payload_too_large", message: `This command is ${size} bytes; a command can be at most ${MAX_COMMAND_BYTES}. Send less at once (split the file or the script).`, field: "command.parameters" };
    }
    if (this.commands.countOpen(input.deviceId) >= QUEUE_LIMIT_PER_DEVICE) {
      return {
        ok: false,
        code: "queue_full",
        message: `This device already has ${QUEUE_LIMIT_PER_DEVICE} commands waiting. Wait for some to finish, or check that \`hearth start\` is running on it.`,
      };
    }
    const now = Date.now();
    const rules = evaluate(await this.loadRules(), input.command, input.deviceId, now);
    // The user's answer to an assistant's prompt for this very command stands in for asking again; a deny rule still wins.
    const gate: typeof rules | { effect: "answered"; decision: Decision } = rules.effect === "ask" && input.decision ? { effect: "answered", decision: input.decision } : rules;
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
      if (rule.oneTime) this.#host.storage.insert(consumedGrants).values({ id: rule.id }).onConflictDoNothing().run();
      command = this.commands.insert({ ...base, status: "queued", approval: approvalFromRule(rule), requestId: null });
      this.changed(command, { kind: "command.queued", summary: `${describe(command)} queued (allowed by a rule)` });
      if (rule.oneTime) await openDb(this.#host.db).delete(schema.permissions).where(and(eq(schema.permissions.id, rule.id), eq(schema.permissions.userId, this.#host.userId())));
      command = this.sendIfOnline(command);
    } else if (gate.effect === "answered") {
      command = this.commands.insert({ ...base, status: "queued", approval: approvalFromDecision(gate.decision, grantFor(gate.decision, now)), requestId: null });
      this.changed(command, { kind: "command.queued", summary: `${describe(command)} queued (you allowed it in the chat)` });
      command = this.sendIfOnline(command);
    } else if (gate.effect === "deny") {
      command = this.commands.insert({ ...base, status: "awaiting_permission", approval: null, requestId: null });
      command =
        this.commands.move(command.id, "failed", now, { error: { code: "permission_denied", message: `A permission rule denies ${describe(command)}. Change it in Settings → Permissions.` } }) ?? command;
      this.changed(command, { kind: "command.failed", summary: `${describe(command)} refused by a permission rule` });
    } else {
      const requestId = crypto.randomUUID();
      command = this.commands.insert({ ...base, status: "awaiting_permission", approval: null, requestId });
      this.changed(command, { kind: "command.awaiting_permission", summary: `${describe(command)} waits for your permission` });
      this.putRequest(requestForCommand(requestId, command), null);
    }
    // Only this command's deadline is new; every other reason to wake is as it was (the alarm recomputes them all).
    if (command.status !== "failed") await this.#host.wakeAt(command.deadlineAt);
    // A command on its way to the device: the relay's SQLite has it, so the caller is answered without waiting for
    // D1's answer (the alarm retries a failed flush). D1's mirror lags by a flush (one already in flight delays
    // this one until it ends), and nothing orders the worker's later D1 reads after it: so the reads that must see
    // the latest state ask the relay for a command D1 does not show final (GET /api/commands/:id and a retry,
    // `UserRelay.command`); the list shows D1's copy, a flush behind. A prompt or a refusal waits for D1, since the
    // caller goes on to read it there (the pending requests, the audit log).
    if (command.status === "queued" || command.status === "sent") this.flushSoon();
    else await this.flushNow();
    return { ok: true, command: commandView(command) };
  }

  /** Applies the user's answer to a permission request: the grant it leaves (see `recordGrant`), the command it releases or fails. */
  async decide(requestId: string, decision: Decision, chosenScope?: string | null): Promise<DecideOutcome> {
    const request = this.requests.get(requestId);
    if (!request) return { ok: false, code: "not_found", message: "There is no such permission request. It may have been answered in another tab." };
    if (request.status !== "pending") return { ok: false, code: "conflict", message: `This request was already ${request.status}.` };
    const now = Date.now();
    const recorded = await recordGrant(this.#host.db, this.#host.userId(), request, decision, chosenScope, now);
    if (!recorded.ok) return recorded;
    const { grant, scope } = recorded;
    if (grant) this.#host.memory.rules = null;
    const allowed = decision !== "deny";
    const answered: PermissionRequestRecord = { ...request, status: allowed ? "allowed" : "denied", decision, grantedScope: scope, decidedAt: now };
    // Awaited below: once this answers, no notification of the request offers a button any more.
    const settled = this.putRequest(answered, {
      kind: allowed ? "permission.granted" : "permission.denied",
      summary: `${decisionText(decision)}: ${request.target}.${request.action}${grant ? ` on ${scope ?? "everything"}` : ""}`,
      deviceId: request.deviceId,
      commandId: request.commandId,
      detail: grant ? { decision, scope } : { decision },
    });

    if (request.agentRef) {
      for (const socket of this.#host.sockets.ofDevice(request.deviceId)) {
        this.#host.sockets.send(socket, toAgent("permission_update", frameId(), { ref: request.agentRef, decision }));
      }
    } else if (request.commandId) {
      const moved = allowed
        ? this.commands.move(request.commandId, "queued", now, { approval: approvalFromDecision(decision, grant) })
        : this.commands.move(request.commandId, "failed", now, { error: { code: "denied_by_user", message: "You denied this command." } });
      if (moved) {
        this.changed(moved, { kind: `command.${moved.status}`, summary: allowed ? `${describe(moved)} queued (you allowed it)` : `${describe(moved)} denied by you` });
        if (allowed) this.sendIfOnline(moved);
      }
    }
    this.#host.afterDecision(answered, decision);
    await Promise.all([this.flushNow(), settled]);
    return { ok: true, request: requestView(answered) };
  }

  /** Ends a device: its socket closes now, and everything it still owed fails. The worker has already revoked its token. */
  async revokeDevice(deviceId: string): Promise<void> {
    this.#host.memory.devices.delete(deviceId);
    for (const socket of this.#host.sockets.ofDevice(deviceId)) socket.close(CLOSE_REVOKED, "device revoked");
    const now = Date.now();
    for (const open of this.commands.openFor(deviceId)) {
      const moved = this.commands.move(open.id, "failed", now, { error: { code: "device_revoked", message: "The device was revoked before this finished." } });
      if (moved) this.changed(moved, { kind: "command.failed", summary: `${describe(moved)} ended: the device was revoked` });
    }
    for (const request of this.requests.pending()) {
      if (request.deviceId === deviceId) this.putRequest({ ...request, status: "expired", decidedAt: now }, null);
    }
    this.sync.record({ kind: "audit", audit: { kind: "device.revoked", summary: "Device revoked", deviceId, commandId: null } });
    await this.flushNow();
    await this.#host.sockets.broadcastDevice(deviceId);
  }

  /** The alarm: open commands past their deadline expire (with the requests they waited on), and old final ones go. */
  expireOverdue(now: number): void {
    for (const command of this.commands.overdue(now)) {
      const moved = this.commands.move(command.id, "expired", now, { error: { code: "expired", message: "It did not finish before its deadline. Retry it when the device is online." } });
      if (!moved) continue;
      this.changed(moved, { kind: "command.expired", summary: `${describe(moved)} expired` });
      const request = moved.requestId ? this.requests.get(moved.requestId) : null;
      if (request?.status === "pending") this.putRequest({ ...request, status: "expired", decidedAt: now }, null);
    }
    this.commands.prune(now - KEEP_FINAL_MS);
  }

  /** Records a state change: D1 (through the outbox) and every open browser. */
  changed(command: QueuedCommand, line: Omit<AuditLine, "deviceId" | "commandId">): void {
    this.sync.record(commandEntry(command, line));
    const view = commandView(command);
    this.#host.sockets.toBrowsers(toBrowser("command_update", frameId(), { command: view }));
    for (const watcher of this.#host.memory.commandWatchers.get(command.id) ?? []) watcher(view);
    const draft = commandNotification(command);
    if (draft) this.notifyLater(draft);
  }

  /**
   * Records many state changes of one device at once (a batch the agent acked or finished): each goes to D1 and to
   * its watchers as `changed` does, but the browsers get one `command_updates` frame, and the ones that finished
   * one "N commands finished" notice. A single change is told exactly as `changed` tells it.
   */
  changedMany(commands: readonly QueuedCommand[], lineFor: (command: QueuedCommand) => Omit<AuditLine, "deviceId" | "commandId">): void {
    const [only] = commands;
    if (commands.length <= 1) {
      if (only) this.changed(only, lineFor(only));
      return;
    }
    // One outbox write for the batch, as the batch was one write to the queue.
    this.sync.recordMany(commands.map((command) => commandEntry(command, lineFor(command))));
    const views: CommandView[] = [];
    for (const command of commands) {
      const view = commandView(command);
      views.push(view);
      for (const watcher of this.#host.memory.commandWatchers.get(command.id) ?? []) watcher(view);
    }
    // A cumulative ack may move more than a frame carries: the tabs get them MAX_BATCH a frame, and fewer when
    // their results are large (a frame over the socket's limit would be lost).
    for (const chunk of framesOf(views, MAX_BATCH)) this.#host.sockets.toBrowsers(toBrowser("command_updates", frameId(), { commands: chunk }));
    const done = commands.filter((c) => c.status === "done");
    for (const command of commands) {
      const draft = command.status === "done" && done.length > 1 ? null : commandNotification(command);
      if (draft) this.notifyLater(draft);
    }
    if (done.length > 1) this.#notifyFinished(done);
  }

  /** One notice for commands of one device that finished together, with the device's name. */
  #notifyFinished(done: readonly QueuedCommand[]): void {
    const deviceId = done[0]?.deviceId;
    if (!deviceId) return;
    const told = this.deviceFor(deviceId)
      .catch(() => null)
      .then((device) => this.#host.notify(commandsFinishedNotification(deviceId, device?.name ?? "your device", done), {}))
      .then(
        () => undefined,
        (error: unknown) => console.error("relay: a notification failed", error),
      );
    this.#host.keepAlive(told);
  }

  /** Notifies without holding up the caller; a failure is logged (the source's own record is already safe). */
  notifyLater(draft: NotificationDraft, options: NotifyOptions = {}): void {
    this.#host.keepAlive(this.#host.notify(draft, options).then(() => undefined, (error: unknown) => console.error("relay: a notification failed", error)));
  }

  /**
   * Calls `onChange` with the command's current state, then with each new one, until the returned function is
   * called (memory only). The current state comes first because it may have moved on while the caller awaited.
   */
  watchCommand(commandId: string, onChange: (command: CommandView) => void): () => void {
    const watchers = this.#host.memory.commandWatchers;
    const set = watchers.get(commandId) ?? new Set();
    set.add(onChange);
    watchers.set(commandId, set);
    const current = this.commands.get(commandId);
    if (current) onChange(commandView(current));
    return () => {
      set.delete(onChange);
      if (set.size === 0) watchers.delete(commandId);
    };
  }

  /** Stores a request's new state and tells every tab; resolves once an answered one's notifications are settled. */
  putRequest(record: PermissionRequestRecord, audit: AuditLine | null): Promise<void> {
    const isNew = record.status === "pending" && this.requests.get(record.id) === null;
    this.requests.put(record);
    if (isNew) this.notifyLater(requestNotification(record));
    const settled =
      isNew || record.status === "pending"
        ? Promise.resolve()
        : this.#host.settle({ type: "permission_request", id: record.id }, requestOutcome(record)).catch((error: unknown) => console.error("relay: settling notifications failed", error));
    this.#host.keepAlive(settled);
    this.sync.record({ kind: "request", request: record });
    if (audit) this.sync.record({ kind: "audit", audit });
    this.#host.sockets.toBrowsers(toBrowser("permission_prompt", frameId(), { request: requestView(record) }));
    return settled;
  }

  sendIfOnline(command: QueuedCommand): QueuedCommand {
    // A backlog is going out: the redelivery loop reaches this command in its turn.
    if (this.#host.memory.redelivering.has(command.deviceId)) return command;
    let current = command;
    for (const socket of this.#host.sockets.ofDevice(command.deviceId)) {
      if (socket.state?.role === "agent" && socket.state.ready) current = this.deliver(socket, current);
    }
    return current;
  }

  /** Sends a command frame (a `commands` frame of one to an agent that speaks batches); a queued command becomes sent. */
  deliver(socket: Connection<SocketState>, command: QueuedCommand): QueuedCommand {
    const body = commandBody(command);
    if (!body) return command;
    if (socket.state?.role === "agent" && socket.state.batch) this.deliverBatch(socket, [command]);
    else this.#host.sockets.send(socket, toAgent("command", command.id, body));
    if (command.status !== "queued") return command;
    const moved = this.commands.move(command.id, "sent", Date.now());
    if (!moved) return command;
    this.changed(moved, { kind: "command.sent", summary: `${describe(moved)} sent to the device` });
    return moved;
  }

  /**
   * Sends commands (ascending seq) to an agent that speaks batches, as `commands` frames of at most `MAX_BATCH`
   * commands and `FRAME_BUDGET` bytes (the agent's socket closes on a frame over `MAX_FRAME_BYTES`, and the same
   * frame would go again on every reconnect), and remembers on the socket the highest seq sent, which its `acks`
   * may not pass. Their state is not moved here: redelivery does not depend on `sent` (every owed command goes
   * again), so a backlog goes from queued straight to acked when the agent's `acks` arrives, one write for the lot.
   */
  deliverBatch(socket: Connection<SocketState>, commands: readonly QueuedCommand[]): void {
    const bodies = commands.flatMap((command) => {
      const body = commandBody(command);
      return body ? [{ id: command.id, ...body }] : [];
    });
    for (const chunk of framesOf(bodies, MAX_BATCH)) {
      const last = chunk.at(-1);
      const state = socket.state;
      if (!last || state?.role !== "agent") return;
      if (last.seq > (state.sentThrough ?? 0)) socket.setState({ ...state, sentThrough: last.seq });
      this.#host.sockets.send(socket, toAgent("commands", frameId(), { commands: chunk }));
    }
  }

  /** The user's rules, less the one-time grants already spent here (cached in memory; see `RelayMemory.rules`). */
  async loadRules(): Promise<Rule[]> {
    const memory = this.#host.memory;
    memory.rules ??= await loadRules(this.#host.db, this.#host.userId());
    // A one-time grant is spent here the moment it is used, before D1 has caught up.
    const consumed = new Set(this.#consumedGrants.all().map((r) => r.id));
    return memory.rules.filter((r) => !consumed.has(r.id));
  }

  /** A device, from memory or D1 (see `RelayMemory.devices`). */
  async deviceFor(deviceId: string): Promise<DeviceRecord | null> {
    const cache = this.#host.memory.devices;
    const cached = cache.get(deviceId);
    if (cached) return cached;
    const [device] = await this.#host.sockets.loadDevices(deviceId);
    if (device) cache.set(deviceId, device);
    return device ?? null;
  }

  async flushNow(): Promise<void> {
    try {
      await this.sync.flush();
    } catch (error) {
      console.error("relay: D1 sync failed; will retry", error);
      await this.#host.scheduleAlarm();
    }
  }

  flushSoon(): void {
    this.#host.keepAlive(this.flushNow());
  }
}

/** A state change as the D1 outbox keeps it: the command's new state and its audit line. */
function commandEntry(command: QueuedCommand, line: Omit<AuditLine, "deviceId" | "commandId">): SyncEntry {
  return { kind: "command", command, audit: { ...line, deviceId: command.deviceId, commandId: command.id, detail: { status: command.status, seq: command.seq } } };
}

/** A command as the agent gets it (a `command` frame's body), or null for one that cannot be sent (no seq or approval yet). */
function commandBody(command: QueuedCommand): FrameBody<RelayToAgentFrame, "command"> | null {
  if (command.seq === null || !command.approval) return null;
  return { seq: command.seq, command: command.command, read_only: command.readOnly, deadline_at: command.deadlineAt, approval: command.approval };
}
