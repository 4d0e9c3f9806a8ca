import { Server } from "partyserver";
import type { Connection, ConnectionContext, WSMessage } from "partyserver";
import { BrowserFrame, CLOSE_FLOODED, HEARTBEAT_PING, HEARTBEAT_PONG, commandView, toAgent, toBrowser } from "#protocol";
import { webhookEnv } from "../../core/src/notifications/webhooks/index.ts";
import { OutboxNotice } from "../../core/src/notifications/outbox.ts";
import { readConfig } from "../../core/src/config.ts";
import { AgentLink } from "./agent-link.ts";
import { createTurns } from "./assistant-turns.ts";
import { CommandQueue } from "./command-queue.ts";
import { deviceView } from "./devices.ts";
import { FloodGuard, SOCKET_BUDGETS } from "./flood.ts";
import { frameId, readFrame } from "./frames.ts";
import { agentSockets, sendImportProfiles } from "./import-profiles.ts";
import { InboundAgentFrame } from "./local-audit.ts";
import { RelayMemory } from "./memory.ts";
import { pagesShowing } from "./notices.ts";
import { Notifier } from "./notifier.ts";
import { InsightRuns } from "./insight-notices.ts";
import { requestView } from "./requests.ts";
import { RelaySessions } from "./sessions.ts";
import { DecideInput, DispatchInput, NotifyInput, TurnInput } from "./rpc.ts";
import type { DecideOutcome, DispatchArgs, DispatchOutcome } from "./rpc.ts";
import { CLOSE_ACCOUNT_DELETED, CLOSE_REPLACED, RELAY_DEVICE_HEADER, RELAY_LATEST_AGENT_HEADER, RELAY_ROLE_HEADER, RELAY_USER_HEADER, Sockets, connectionTags } from "./sockets.ts";
import type { ConnectionRole, SocketState } from "./sockets.ts";
import { openStorage } from "./storage/index.ts";
import type { RelayDb } from "./storage/index.ts";
import type { Turns } from "./turns.ts";
import { WebhookSender } from "./webhook-sender.ts";
import { z } from "zod";

/** Finished turns' events are kept this long, for late readers of their streams. */
const KEEP_TURN_EVENTS_MS = 24 * 60 * 60_000;
/** When D1 could not be written, try again this soon. */
const SYNC_RETRY_MS = 5_000;

/**
 * One per user: that user's agent and browser sockets, the durable command queue, the assistant's turns (which
 * run here so a turn can dispatch a command and wait for its result in one place, and outlive the request that
 * started it), and notification and webhook delivery. A thin shell: it owns the sockets and the storage, and
 * hands each event to the part that handles it. What survives hibernation is ./storage/schema.ts; what does not
 * is ./memory.ts.
 */
export class UserRelay extends Server<Env> {
  static override options = { hibernate: true };

  readonly storage: RelayDb;
  readonly memory = new RelayMemory();
  readonly sockets: Sockets;
  readonly queue: CommandQueue;
  readonly agents: AgentLink;
  readonly turns: Turns;
  readonly notifier: Notifier;
  readonly webhooks: WebhookSender;
  readonly sessions: RelaySessions;
  readonly #flood: FloodGuard;
  readonly insights: InsightRuns;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Before any part reads it: the storage is brought to the current schema version.
    const storage = (this.storage = openStorage(ctx.storage));
    const memory = this.memory;
    const db = env.DB;
    const userId = () => this.userId;
    const keepAlive = (work: Promise<unknown>) => ctx.waitUntil(work);
    const wakeAt = (at: number) => this.#wakeAt(at);
    this.#flood = new FloodGuard(memory.floodBuckets);
    const sockets = (this.sockets = new Sockets({ getConnections: (tag) => this.getConnections(tag), db, userId }));
    this.webhooks = new WebhookSender({ db, storage, memory, env: webhookEnv(env), userId, wakeAt, keepAlive, notify: (draft) => this.notifier.notify(draft) });
    this.notifier = new Notifier({
      db,
      storage,
      memory,
      userId,
      toBrowsers: (frame) => sockets.toBrowsers(frame),
      wakeAt,
      isOnline: (deviceId) => sockets.isOnline(deviceId),
      watching: (draft) => sockets.isViewing(() => pagesShowing(draft, (commandId) => this.turns.store.chatOfCommand(commandId))),
      settledOutcome: (source) => (source.type === "permission_request" ? this.queue.requests.outcomeOf(source.id) : null),
      webhooks: (notifications, digest) => this.webhooks.enqueue(notifications, digest ? { digest } : {}),
      prepareWebhooks: (notification) => this.webhooks.prepare([notification]),
      keepAlive,
    });
    this.queue = new CommandQueue({
      db,
      storage,
      memory,
      sockets,
      userId,
      keepAlive,
      scheduleAlarm: () => this.#scheduleAlarm(),
      wakeAt,
      notify: (draft, options) => this.notifier.notify(draft, options),
      settle: (source, outcome) => this.notifier.settled(source, outcome),
      afterDecision: (request, decision) => this.turns.resume(request.id, decision),
    });
    // The idle timeout is configuration, fixed for the isolate's life: parsed once, not on every dispatch.
    const { sessionIdleMs } = readConfig(env);
    this.sessions = new RelaySessions({ db, cache: memory.sessions, userId, idleMs: () => sessionIdleMs, wiped: () => memory.wiped, keepAlive });
    this.insights = new InsightRuns({ d1: db, userId, storage: ctx.storage, wakeAt, handOver: (notice) => this.notifier.noticeStored(notice) });
    this.agents = new AgentLink({ db, memory, sockets, queue: this.queue, notifier: this.notifier, userId, keepAlive, activityStored: (ids) => this.#stored(ids) });
    this.turns = createTurns({ env, db, storage, memory, sockets, queue: this.queue, userId, keepAlive });
    // The heartbeat is answered by the runtime itself, so an idle relay can stay hibernated.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT_PING, HEARTBEAT_PONG));
    ctx.waitUntil(this.turns.recoverInterrupted());
  }

  get userId(): string {
    return this.name;
  }

  /** The durable command queue's store (tests fill it directly). */
  get commands() {
    return this.queue.commands;
  }

  // ── sockets ─────────────────────────────────────────────────────────────────────────────────

  override getConnectionTags(_connection: Connection, { request }: ConnectionContext): string[] {
    return connectionTags(request);
  }

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
      for (const other of this.sockets.ofDevice(deviceId)) if (other.id !== connection.id) other.close(CLOSE_REPLACED, "replaced by a newer connection");
      connection.setState({ role: "agent", deviceId, ready: false });
      return;
    }
    const latestAgent = request.headers.get(RELAY_LATEST_AGENT_HEADER) || null;
    connection.setState({ role: "browser", latestAgent });
    for (const device of await this.sockets.loadDevices()) this.sockets.send(connection, toBrowser("agent_status", frameId(), { device: deviceView(device, this.sockets.isOnline(device.id), latestAgent) }));
    for (const request of this.queue.requests.pending()) this.sockets.send(connection, toBrowser("permission_prompt", frameId(), { request: requestView(request) }));
  }

  override async onMessage(connection: Connection<SocketState>, message: WSMessage): Promise<void> {
    const state = connection.state;
    if (!state) return;
    // Charged before anything reads the frame, so a flood costs the relay next to nothing and is cut off.
    const admission = this.#flood.admit(connection.id, state.role, typeof message === "string" ? message.length : message.byteLength, Date.now());
    if (admission === "ignore") return;
    if (admission === "shed") return this.#shed(connection, state.role);
    if (state.role === "browser") return this.#onBrowserMessage(connection, message);
    const read = readFrame(InboundAgentFrame, message, SOCKET_BUDGETS.agent.maxFrame);
    if (!read.ok) return this.sockets.refuse(connection, read);
    const frame = read.frame;
    if (frame.type === "ping") return this.sockets.send(connection, toAgent("pong", frame.id, {}));
    if (frame.type === "hello") {
      if (frame.device_id !== state.deviceId) return this.sockets.refuse(connection, { code: "validation_failed", message: "hello.device_id does not match this agent's token. Pair again.", ref: frame.id });
      return this.agents.onHello(connection, state.deviceId, frame);
    }
    if (!state.ready) return this.sockets.refuse(connection, { code: "not_ready", message: "Send hello first.", ref: frame.id });
    return this.agents.onFrame(connection, state.deviceId, frame);
  }

  /** Closes a socket that went over its budget, after telling it why. */
  #shed(connection: Connection<SocketState>, role: ConnectionRole): void {
    const who = role === "agent" ? "This agent" : "This tab";
    this.sockets.refuse(connection, {
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
    if (state?.role !== "agent" || this.memory.wiped) return;
    this.agents.onClose(connection, state.deviceId);
  }

  #onBrowserMessage(connection: Connection<SocketState>, message: WSMessage): void {
    const read = readFrame(BrowserFrame, message, SOCKET_BUDGETS.browser.maxFrame);
    if (!read.ok) return this.sockets.refuse(connection, read);
    const frame = read.frame;
    if (frame.type === "ping") return this.sockets.send(connection, toBrowser("pong", frame.id, {}));
    if (frame.type === "viewing") {
      connection.setState({ role: "browser", viewing: frame.path, latestAgent: connection.state?.role === "browser" ? connection.state.latestAgent : null });
      return;
    }
    // Typing goes to the user's other tabs only.
    this.sockets.toBrowsers(frame, [connection.id]);
  }

  #stored(ids: string[]): void {
    if (ids.length === 0) return;
    this.sockets.toBrowsers(toBrowser("activity_stored", frameId(), { count: ids.length }));
    this.ctx.waitUntil(this.notifier.activityStored(ids).catch((error: unknown) => console.error("relay: activity notices failed", error)));
    // Price changes, new subscriptions and unusual payments (issue 19: relay/src/insight-notices.ts).
    this.ctx.waitUntil(this.insights.stored(ids).catch((error: unknown) => console.error("relay: insight notices failed", error)));
  }

  // ── the alarm ───────────────────────────────────────────────────────────────────────────────

  override async onAlarm(): Promise<void> {
    const now = Date.now();
    // Finished turns' events only serve streams; D1 keeps the messages.
    this.turns.store.prune(now - KEEP_TURN_EVENTS_MS);
    this.queue.expireOverdue(now);
    await this.queue.flushNow().catch(() => {});
    await this.notifier.onWake(now).catch((error: unknown) => console.error("relay: notifications failed; will retry", error));
    await this.webhooks.onWake(now).catch((error: unknown) => console.error("relay: webhook deliveries failed; will retry", error));
    await this.insights.onWake(now).catch((error: unknown) => console.error("relay: insight notices failed", error));
    await this.#scheduleAlarm();
  }

  async #scheduleAlarm(): Promise<void> {
    const candidates = [this.queue.commands.nextDeadline(), await this.notifier.nextWake(), this.webhooks.nextWake(), await this.insights.nextWake()];
    if (this.queue.sync.pending() > 0) candidates.push(Date.now() + SYNC_RETRY_MS);
    const next = Math.min(...candidates.filter((at): at is number => at !== null));
    if (Number.isFinite(next)) await this.#wakeAt(next);
  }

  /** Sets the alarm for `at` unless it is already set sooner. */
  async #wakeAt(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current) await this.ctx.storage.setAlarm(at);
  }

  // ── RPC from the worker (worker/src/relay/stub.ts): arguments are parsed with ./rpc.ts on arrival ──

  // `dispatch` and `decide` answer a `DispatchOutcome` / `DecideOutcome`, declared `unknown` here because Workers
  // RPC's types cannot walk the `Json` values inside them ("excessively deep"); the stub parses the answer with
  // that schema, so the worker still gets it typed and checked.

  /** RPC: accepts a command; it is in this object's SQLite before this returns, gated by the user's permissions. */
  async dispatch(input: DispatchArgs): Promise<unknown> {
    const outcome: DispatchOutcome = await this.queue.dispatch(DispatchInput.parse(input));
    return outcome;
  }

  /**
   * RPC: the commands API's dispatch, with the session checked here rather than in D1 (./sessions.ts): the
   * dispatch path's one call. `sessionId` is the hash of the request's cookie; `touch` slides its idle timer.
   */
  async dispatchAs(sessionId: string, touch: boolean, input: DispatchArgs): Promise<unknown> {
    if ((await this.sessions.check(z.string().parse(sessionId), z.boolean().parse(touch))) !== "ok") {
      const refused: DispatchOutcome = { ok: false, code: "session_expired", message: "Your session has expired. Sign in again to continue." };
      return refused;
    }
    return this.dispatch(input);
  }

  /** RPC: the worker ended these sessions in D1 (sign-out, a password change, …); they are refused from the next request. */
  async sessionsEnded(ids: string[]): Promise<void> {
    this.sessions.ended(z.array(z.string()).parse(ids));
  }

  /** RPC: one command as the relay holds it, or null: the API's read of a command D1 has not caught up with yet. */
  async command(commandId: string): Promise<unknown> {
    const command = this.queue.commands.get(z.string().parse(commandId));
    return command ? commandView(command) : null;
  }

  /** RPC: the user's answer to a permission request. */
  async decide(input: DecideInput): Promise<unknown> {
    const { requestId, decision, scope } = DecideInput.parse(input);
    const outcome: DecideOutcome = await this.queue.decide(requestId, decision, scope);
    return outcome;
  }

  /** RPC: ends a device (the worker has already revoked its token). */
  async revokeDevice(deviceId: string): Promise<void> {
    await this.queue.revokeDevice(z.string().parse(deviceId));
  }

  /** RPC: the worker changed the user's permission rules in D1; the next dispatch reads them again. */
  rulesChanged(): void {
    this.memory.rules = null;
  }

  /** RPC (and the agent path): new activity is in D1 (these ids); dashboards reload, and notable rows notify. */
  activityStored(freshIds: string[]): void {
    this.#stored(z.array(z.string()).max(100_000).parse(freshIds));
  }

  /** RPC: the user saved, imported or deleted import profiles; every connected agent gets the new set. */
  async importProfilesChanged(): Promise<void> {
    await sendImportProfiles(this.env.DB, this.userId, agentSockets(this.sockets));
  }

  /** RPC: the ids of devices with a live, greeted socket. */
  async onlineDevices(): Promise<string[]> {
    return this.sockets.onlineDevices();
  }

  /** RPC: a source the worker sees (a sign-in, a status the user changed) has something to tell. */
  async notify(input: NotifyInput): Promise<void> {
    const { draft, value } = NotifyInput.parse(input);
    await this.notifier.notify(draft, value === undefined ? {} : { value });
  }

  /** RPC: a notice is in D1's outbox (stored with the change that caused it); it becomes a notification once. */
  async noticeStored(notice: OutboxNotice): Promise<void> {
    await this.notifier.noticeStored(OutboxNotice.parse(notice));
  }

  /** RPC: the daily cron found notices waiting here longer than a call takes; they are handled now. */
  async sweepNotices(): Promise<void> {
    await this.notifier.sweepNotices();
  }

  /** RPC: notifications were read or dismissed through the API; every tab updates its bell. */
  async notificationsChanged(ids: string[]): Promise<void> {
    await this.notifier.changed(z.array(z.string()).parse(ids));
  }

  /** RPC: the user saved their notification preferences; the next notice reads them again. */
  async notificationPreferencesChanged(): Promise<void> {
    this.notifier.preferencesChanged();
    // New quiet hours may end sooner (or not at all): the digest's wake time follows them.
    await this.#scheduleAlarm();
  }

  /** RPC: webhook endpoints changed (added, edited, rotated, removed). */
  webhooksChanged(): void {
    this.webhooks.endpointsChanged();
  }

  /** RPC: a manual resend from the delivery log. */
  async resendDelivery(deliveryId: string): Promise<boolean> {
    return this.webhooks.resend(z.string().parse(deliveryId));
  }

  /** RPC: "Send a test" to one endpoint; the delivery's id. */
  async testWebhook(endpointId: string): Promise<string> {
    return this.webhooks.test(z.string().parse(endpointId));
  }

  /** RPC: starts a turn (the worker has stored both messages) and returns its SSE stream. */
  startTurn(input: TurnInput): ReadableStream<Uint8Array> {
    return this.turns.start(TurnInput.parse(input));
  }

  /** RPC: a turn's events after number `after`, then live until it ends; null for a turn this relay never ran. */
  followTurn(turnId: string, after: number): ReadableStream<Uint8Array> | null {
    return this.turns.store.get(turnId) ? this.turns.store.stream(turnId, after) : null;
  }

  /** RPC: stops a turn; false when it already ended. */
  stopTurn(turnId: string): boolean {
    return this.turns.stop(turnId);
  }

  /**
   * RPC: the account is being deleted. Agents hear it (close 4002) and stop, every tab's socket closes, and all
   * this object stored goes with its alarm. The worker deletes the D1 rows after this; a write still in flight
   * here then fails on D1's foreign keys rather than leaving a row behind.
   */
  async wipe(): Promise<void> {
    this.memory.wiped = true;
    this.memory.sessions.clear();
    for (const socket of this.sockets.all()) socket.close(CLOSE_ACCOUNT_DELETED, "account deleted");
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}
