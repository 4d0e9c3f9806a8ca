import type { Connection } from "partyserver";
import { COMMAND_DEFAULT_DEADLINE_MS, HEARTBEAT_PING, HEARTBEAT_PONG, QUEUE_LIMIT_PER_DEVICE, commandView, toAgent, toBrowser } from "#protocol";
import type { CommandView, Decision } from "#protocol";
import { CommandStore } from "./command-store.ts";
import type { QueuedCommand } from "./command-store.ts";
import { D1Sync } from "./d1-sync.ts";
import type { AuditLine, PermissionRequestRecord } from "./d1-sync.ts";
import { loadRules } from "./d1-reads.ts";
import { checkAction } from "./devices.ts";
import type { DeviceRecord } from "./devices.ts";
import { frameId } from "./frames.ts";
import { approvalFromDecision, approvalFromRule, evaluate, grantFor } from "./permission-rules.ts";
import { recordGrant } from "./grants.ts";
import type { Rule } from "./permission-rules.ts";
import { RelaySockets } from "./sockets.ts";
import type { SocketState } from "./sockets.ts";
import { RequestStore, requestForCommand, requestView } from "./requests.ts";
import { commandNotification, pagesShowing, requestNotification } from "./notices.ts";
import { Notifier } from "./notifier.ts";
import { webhookEnv } from "../../worker/src/notifications/webhooks/index.ts";
import { WebhookSender } from "./webhook-sender.ts";
import type { NotifyOptions } from "./notifier.ts";
import type { NotificationDraft } from "../../worker/src/notifications/store.ts";
import { decisionText, describe, requestOutcome } from "./wording.ts";
import { DecideInput, DispatchInput, NotifyInput } from "./rpc.ts";
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
/** When D1 could not be written, try again this soon. */
const SYNC_RETRY_MS = 5_000;

/**
 * The relay's durable command queue and permission gate, as the worker calls them (`dispatch`, `decide`,
 * `revokeDevice`) and as deadlines expire them. `UserRelay` adds the sockets' frames and the assistant's turns.
 * Hibernation is on, so nothing lives in fields that cannot be rebuilt: the queue and the D1 outbox are in the
 * object's SQLite, and per-socket facts in the socket attachment (partyserver's connection state).
 */
export class QueueRelay extends RelaySockets {

  readonly commands: CommandStore;
  readonly requests: RequestStore;
  readonly sync: D1Sync;
  readonly notifier: Notifier;
  readonly webhooks: WebhookSender;
  /**
   * Read-through caches of the user's devices and permission rules, so a dispatch reads nothing from D1.
   * Only memory: hibernation or eviction empties them and the next dispatch reads D1 again. Every writer of
   * those rows tells the relay (hello, revoke, `rulesChanged`, `decide`) before it answers its caller.
   */
  protected deviceCache = new Map<string, DeviceRecord>();
  protected rulesCache: Rule[] | null = null;
  /** Device → the connection whose backlog is being redelivered right now (see `UserRelay`). */
  protected redelivering = new Map<string, string>();
  protected readonly watchers = new Map<string, Set<(command: CommandView) => void>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    this.commands = new CommandStore(sql);
    this.requests = new RequestStore(sql);
    this.sync = new D1Sync(sql, env.DB, ctx.id.name ?? "");
    this.webhooks = new WebhookSender({
      db: env.DB,
      sql,
      env: webhookEnv(env),
      userId: () => this.userId,
      wakeAt: (at) => this.wakeAt(at),
      notify: (draft) => this.notifier.notify(draft),
    });
    this.notifier = new Notifier({
      db: env.DB,
      sql,
      userId: () => this.userId,
      toBrowsers: (frame) => this.toBrowsers(frame),
      wakeAt: (at) => this.wakeAt(at),
      isOnline: (deviceId) => this.isOnline(deviceId),
      watching: (draft) => this.isViewing(() => pagesShowing(draft, (commandId) => this.chatOfCommand(commandId))),
      settledOutcome: (source) => (source.type === "permission_request" ? this.requests.outcomeOf(source.id) : null),
      webhooks: (notifications, digest) => this.webhooks.enqueue(notifications, digest ? { digest } : {}),
    });
    sql.exec("CREATE TABLE IF NOT EXISTS consumed_grants (id TEXT PRIMARY KEY)");
    // The heartbeat is answered by the runtime itself, so an idle relay can stay hibernated.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT_PING, HEARTBEAT_PONG));
  }


  // ── RPC from the worker ─────────────────────────────────────────────────────────────────────

  /** RPC: `dispatch`, as JSON text (see rpc.ts). */
  async dispatchJson(input: string): Promise<string> {
    return JSON.stringify(await this.dispatch(DispatchInput.parse(JSON.parse(input))));
  }

  /** RPC: `decide`, as JSON text (see rpc.ts). */
  async decideJson(input: string): Promise<string> {
    const { requestId, decision, scope } = DecideInput.parse(JSON.parse(input));
    return JSON.stringify(await this.decide(requestId, decision, scope));
  }

  /** Accepts a command: it is in this object's SQLite before this returns, gated by the user's permissions. */
  async dispatch(input: DispatchInput): Promise<DispatchOutcome> {
    // Before any prompt: what the agent would refuse for its local limits is refused now, in its words.
    const checked = checkAction(await this.deviceFor(input.deviceId), input.command);
    if (!checked.ok) return checked;
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
      if (rule.oneTime) this.ctx.storage.sql.exec("INSERT OR IGNORE INTO consumed_grants (id) VALUES (?)", rule.id);
      command = this.commands.insert({ ...base, status: "queued", approval: approvalFromRule(rule), requestId: null });
      this.changed(command, { kind: "command.queued", summary: `${describe(command)} queued (allowed by a rule)` });
      if (rule.oneTime) await this.env.DB.prepare("DELETE FROM permissions WHERE id = ? AND user_id = ?").bind(rule.id, this.userId).run();
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
    await this.scheduleAlarm();
    await this.flushNow();
    return { ok: true, command: commandView(command) };
  }

  /** Applies the user's answer to a permission request: the grant it leaves (see `recordGrant`), the command it releases or fails. */
  async decide(requestId: string, decision: Decision, chosenScope?: string | null): Promise<DecideOutcome> {
    const request = this.requests.get(requestId);
    if (!request) return { ok: false, code: "not_found", message: "There is no such permission request. It may have been answered in another tab." };
    if (request.status !== "pending") return { ok: false, code: "conflict", message: `This request was already ${request.status}.` };
    const now = Date.now();
    const recorded = await recordGrant(this.env.DB, this.userId, request, decision, chosenScope, now);
    if (!recorded.ok) return recorded;
    const { grant, scope } = recorded;
    if (grant) this.rulesCache = null;
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
      for (const socket of this.getConnections<SocketState>(`device:${request.deviceId}`)) {
        this.send(socket, toAgent("permission_update", frameId(), { ref: request.agentRef, decision }));
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
    this.afterDecision(answered, decision);
    await Promise.all([this.flushNow(), settled]);
    return { ok: true, request: requestView(answered) };
  }

  /** Ends a device: its socket closes now, and everything it still owed fails. The worker has already revoked its token. */
  async revokeDevice(deviceId: string): Promise<void> {
    this.deviceCache.delete(deviceId);
    for (const socket of this.getConnections(`device:${deviceId}`)) socket.close(CLOSE_REVOKED, "device revoked");
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
    await this.broadcastDevice(deviceId);
  }

  /** RPC: the worker changed the user's permission rules in D1; the next dispatch reads them again. */
  rulesChanged(): void {
    this.rulesCache = null;
  }

  /** RPC: a source the worker sees (a sign-in, a status the user changed) has something to tell. JSON text. */
  async notifyJson(input: string): Promise<void> {
    const { draft, value } = NotifyInput.parse(JSON.parse(input));
    await this.notifier.notify(draft, value === undefined ? {} : { value });
  }

  /** RPC: notifications were read or dismissed through the API; every tab updates its bell. */
  async notificationsChanged(ids: string[]): Promise<void> {
    await this.notifier.changed(ids);
  }

  /** RPC: webhook endpoints changed (added, edited, rotated, removed). */
  webhooksChanged(): void {
    this.webhooks.endpointsChanged();
  }

  /** RPC: a manual resend from the delivery log. */
  async resendDelivery(deliveryId: string): Promise<boolean> {
    return this.webhooks.resend(deliveryId);
  }

  /** RPC: "Send a test" to one endpoint; the delivery's id. */
  async testWebhook(endpointId: string): Promise<string> {
    return this.webhooks.test(endpointId);
  }

  /** RPC: the user saved their notification preferences; the next notice reads them again. */
  async notificationPreferencesChanged(): Promise<void> {
    this.notifier.preferencesChanged();
    // New quiet hours may end sooner (or not at all): the digest's wake time follows them.
    await this.scheduleAlarm();
  }

  // ── deadlines ───────────────────────────────────────────────────────────────────────────────

  override async onAlarm(): Promise<void> {
    const now = Date.now();
    for (const command of this.commands.overdue(now)) {
      const moved = this.commands.move(command.id, "expired", now, { error: { code: "expired", message: "It did not finish before its deadline. Retry it when the device is online." } });
      if (!moved) continue;
      this.changed(moved, { kind: "command.expired", summary: `${describe(moved)} expired` });
      const request = moved.requestId ? this.requests.get(moved.requestId) : null;
      if (request?.status === "pending") this.putRequest({ ...request, status: "expired", decidedAt: now }, null);
    }
    this.commands.prune(now - KEEP_FINAL_MS);
    await this.flushNow().catch(() => {});
    await this.notifier.onWake(now).catch((error: unknown) => console.error("relay: notifications failed; will retry", error));
    await this.webhooks.onWake(now).catch((error: unknown) => console.error("relay: webhook deliveries failed; will retry", error));
    await this.scheduleAlarm();
  }

  protected async scheduleAlarm(): Promise<void> {
    const candidates = [this.commands.nextDeadline(), await this.notifier.nextWake(), this.webhooks.nextWake()];
    if (this.sync.pending() > 0) candidates.push(Date.now() + SYNC_RETRY_MS);
    const next = Math.min(...candidates.filter((at): at is number => at !== null));
    if (Number.isFinite(next)) await this.wakeAt(next);
  }

  /** Sets the alarm for `at` unless it is already set sooner. */
  protected async wakeAt(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current) await this.ctx.storage.setAlarm(at);
  }

  // ── helpers ─────────────────────────────────────────────────────────────────────────────────

  /** Records a state change: D1 (through the outbox) and every open browser. */
  protected changed(command: QueuedCommand, line: Omit<AuditLine, "deviceId" | "commandId">): void {
    this.sync.record({ kind: "command", command, audit: { ...line, deviceId: command.deviceId, commandId: command.id, detail: { status: command.status, seq: command.seq } } });
    const view = commandView(command);
    this.toBrowsers(toBrowser("command_update", frameId(), { command: view }));
    for (const watcher of this.watchers.get(command.id) ?? []) watcher(view);
    const draft = commandNotification(command);
    if (draft) this.notifyLater(draft);
  }

  /** Notifies without holding up the caller; a failure is logged (the source's own record is already safe). */
  protected notifyLater(draft: NotificationDraft, options: NotifyOptions = {}): void {
    this.ctx.waitUntil(this.notifier.notify(draft, options).then(() => undefined, (error: unknown) => console.error("relay: a notification failed", error)));
  }

  /**
   * Calls `onChange` with the command's current state, then with each new one, until the returned function is
   * called (memory only). The current state comes first because it may have moved on while the caller awaited.
   */
  watchCommand(commandId: string, onChange: (command: CommandView) => void): () => void {
    const set = this.watchers.get(commandId) ?? new Set();
    set.add(onChange);
    this.watchers.set(commandId, set);
    const current = this.commands.get(commandId);
    if (current) onChange(commandView(current));
    return () => {
      set.delete(onChange);
      if (set.size === 0) this.watchers.delete(commandId);
    };
  }

  /** The chat a command was run from, if any (`UserRelay` knows its turns). */
  protected chatOfCommand(_commandId: string): string | null {
    return null;
  }

  /** Called after `decide` has recorded an answer; `UserRelay` resumes the assistant turn that asked. */
  protected afterDecision(_request: PermissionRequestRecord, _decision: Decision): void {}

  /** Stores a request's new state and tells every tab; resolves once an answered one's notifications are settled. */
  protected putRequest(record: PermissionRequestRecord, audit: AuditLine | null): Promise<void> {
    const isNew = record.status === "pending" && this.requests.get(record.id) === null;
    this.requests.put(record);
    if (isNew) this.notifyLater(requestNotification(record));
    const settled = isNew || record.status === "pending" ? Promise.resolve() : this.notifier.settled({ type: "permission_request", id: record.id }, requestOutcome(record)).catch((error: unknown) => console.error("relay: settling notifications failed", error));
    this.ctx.waitUntil(settled);
    this.sync.record({ kind: "request", request: record });
    if (audit) this.sync.record({ kind: "audit", audit });
    this.toBrowsers(toBrowser("permission_prompt", frameId(), { request: requestView(record) }));
    return settled;
  }

  protected sendIfOnline(command: QueuedCommand): QueuedCommand {
    // A backlog is going out: the redelivery loop reaches this command in its turn.
    if (this.redelivering.has(command.deviceId)) return command;
    let current = command;
    for (const socket of this.getConnections<SocketState>(`device:${command.deviceId}`)) {
      if (socket.state?.role === "agent" && socket.state.ready) current = this.deliver(socket, current);
    }
    return current;
  }

  /** Sends a command frame; a queued command becomes sent. */
  protected deliver(socket: Connection, command: QueuedCommand): QueuedCommand {
    if (command.seq === null || !command.approval) return command;
    this.send(socket, toAgent("command", command.id, { seq: command.seq, command: command.command, read_only: command.readOnly, deadline_at: command.deadlineAt, approval: command.approval }));
    if (command.status !== "queued") return command;
    const moved = this.commands.move(command.id, "sent", Date.now());
    if (!moved) return command;
    this.changed(moved, { kind: "command.sent", summary: `${describe(moved)} sent to the device` });
    return moved;
  }

  protected async loadRules(): Promise<Rule[]> {
    this.rulesCache ??= await loadRules(this.env.DB, this.userId);
    // A one-time grant is spent here the moment it is used, before D1 has caught up.
    const consumed = new Set(this.ctx.storage.sql.exec<{ id: string }>("SELECT id FROM consumed_grants").toArray().map((r) => r.id));
    return this.rulesCache.filter((r) => !consumed.has(r.id));
  }

  protected async deviceFor(deviceId: string): Promise<DeviceRecord | null> {
    const cached = this.deviceCache.get(deviceId);
    if (cached) return cached;
    const [device] = await this.loadDevices(deviceId);
    if (device) this.deviceCache.set(deviceId, device);
    return device ?? null;
  }

  protected async flushNow(): Promise<void> {
    try {
      await this.sync.flush();
    } catch (error) {
      console.error("relay: D1 sync failed; will retry", error);
      await this.scheduleAlarm();
    }
  }

  protected flushSoon(): void {
    this.ctx.waitUntil(this.flushNow());
  }
}
