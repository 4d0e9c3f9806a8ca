import type { Connection } from "partyserver";
import { and, eq, isNull } from "drizzle-orm";
import { FEATURES, MAX_BATCH, toAgent } from "#protocol";
import type { AgentFrame, ErrorCode, Json } from "#protocol";
import { ingestActivities } from "../../core/src/activities/ingest.ts";
import { openDb, schema } from "../../core/src/db/index.ts";
import { recordRefusals } from "./activity-refusals.ts";
import type { CommandQueue } from "./command-queue.ts";
import type { PermissionRequestRecord } from "./d1-sync.ts";
import { frameId } from "./frames.ts";
import { sendImportProfiles } from "./import-profiles.ts";
import { localAuditLines } from "./local-audit.ts";
import type { InboundAgentFrame } from "./local-audit.ts";
import type { RelayMemory } from "./memory.ts";
import type { Notifier } from "./notifier.ts";
import { CLOSE_REVOKED, HEARTBEAT_MS } from "./sockets.ts";
import type { SocketState, Sockets } from "./sockets.ts";
import { describe } from "./wording.ts";

/** Owed commands sent per step when an agent reconnects to a backlog: one `commands` frame to an agent that speaks batches. */
const REDELIVER_CHUNK = MAX_BATCH;

/** What the agent link needs from the relay that holds it. */
export interface AgentLinkHost {
  readonly db: D1Database;
  readonly memory: RelayMemory;
  readonly sockets: Sockets;
  readonly queue: CommandQueue;
  readonly notifier: Notifier;
  userId(): string;
  /** Keeps the object alive for work the caller does not wait for (`ctx.waitUntil`). */
  keepAlive(work: Promise<unknown>): void;
  /** New activity rows are in D1 (these ids): dashboards reload, notable rows notify. */
  activityStored(ids: string[]): void;
}

type Hello = Extract<AgentFrame, { type: "hello" }>;
type ConnectorsFrame = Extract<AgentFrame, { type: "connectors" }>;
type AuditFrame = Extract<InboundAgentFrame, { type: "audit" }>;
/** What the agent offers: its `hello` and each `connectors` frame replace all three on the device row. */
type Offer = Pick<Hello, "connectors" | "limits" | "mcp_servers">;

/** An offer as the device row's columns (an agent that says nothing of limits or MCP servers has none). */
const offerColumns = (offer: Offer) => ({
  connectors: JSON.stringify(offer.connectors),
  limits: offer.limits === undefined ? null : JSON.stringify(offer.limits),
  mcpServers: JSON.stringify(offer.mcp_servers ?? []),
});
type PermissionRequestFrame = Extract<AgentFrame, { type: "permission_request" }>;
type ResultsFrame = Extract<AgentFrame, { type: "results" }>;

/**
 * The agent's side of the relay: the frames a greeted agent sends (hello, ack, result, permission request,
 * activity), the backlog it is owed when it reconnects, and what its going away sets off.
 */
export class AgentLink {
  readonly #host: AgentLinkHost;

  constructor(host: AgentLinkHost) {
    this.#host = host;
  }

  /** A frame from a greeted agent (hello and ping are answered before this, by the relay). */
  async onFrame(connection: Connection<SocketState>, deviceId: string, frame: Exclude<InboundAgentFrame, { type: "hello" | "ping" | "pong" }>): Promise<void> {
    switch (frame.type) {
      case "ack":
        return this.#onAck(frame.ref);
      case "result":
        this.#onResult(frame.command_id, frame.outcome);
        return this.#host.sockets.send(connection, toAgent("ack", frameId(), { ref: frame.id }));
      case "acks":
        return this.#onAcks(connection, deviceId, frame.id, frame.through_seq);
      case "results":
        return this.#onResults(connection, deviceId, frame);
      case "permission_request":
        return this.#onPermissionRequest(deviceId, frame);
      case "activity":
        return this.#onActivity(connection, deviceId, frame);
      case "connectors":
        return this.#onConnectors(connection, deviceId, frame);
      case "audit":
        return this.#onAudit(connection, deviceId, frame);
    }
  }

  async onHello(connection: Connection<SocketState>, deviceId: string, hello: Pick<Hello, "agent_version" | "platform" | "connectors" | "limits" | "features" | "mcp_servers">): Promise<void> {
    const host = this.#host;
    const now = Date.now();
    const stored = await this.#storeDevice(deviceId, { ...offerColumns(hello), agentVersion: hello.agent_version, platform: hello.platform, lastSeenAt: now });
    if (!stored) {
      connection.close(CLOSE_REVOKED, "device revoked");
      return;
    }
    host.notifier.agentCameBack(deviceId);
    // An agent that does not name "batch" gets single frames, as before batches existed.
    const batch = hello.features?.includes(FEATURES.batch) ?? false;
    connection.setState({ role: "agent", deviceId, ready: true, batch });
    const pending = host.queue.commands.countOwed(deviceId);
    host.sockets.send(connection, toAgent("welcome", frameId(), { device_id: deviceId, server_time: now, heartbeat_ms: HEARTBEAT_MS, pending, features: batch ? [FEATURES.batch] : [] }));
    // The first chunk goes out, and new commands start waiting their turn, before anything here awaits.
    const redelivery = this.#redeliver(connection, deviceId);
    // The statements folder reads with the user's saved import profiles: the agent gets the current set on each hello.
    const profiles = sendImportProfiles(host.db, host.userId(), [connection]).catch((error: unknown) => console.error("relay: sending import profiles failed", error));
    await host.sockets.broadcastDevice(deviceId);
    await redelivery;
    await profiles;
  }

  /**
   * Writes to the device's row unless it is revoked (then false). Writes for one device go in the order their frames
   * came (each waits for the one before), so a late D1 answer never puts back an older offer; then the cached row
   * is dropped, so the next dispatch and the chat's gate check the actions the agent offers now.
   */
  async #storeDevice(deviceId: string, columns: Partial<typeof schema.devices.$inferInsert>): Promise<boolean> {
    const { db, memory, userId } = this.#host;
    const { devices } = schema;
    const before = memory.deviceWrites.get(deviceId);
    const write = (async () => {
      await before?.catch(() => undefined);
      return openDb(db)
        .update(devices)
        .set(columns)
        .where(and(eq(devices.id, deviceId), eq(devices.userId, userId()), isNull(devices.revokedAt)))
        .returning({ id: devices.id });
    })();
    memory.deviceWrites.set(deviceId, write);
    try {
      const updated = await write;
      memory.devices.delete(deviceId);
      return updated.length > 0;
    } finally {
      if (memory.deviceWrites.get(deviceId) === write) memory.deviceWrites.delete(deviceId);
    }
  }

  /**
   * What the agent offers changed while it is connected (an MCP server started, crashed, changed its tools): the
   * device row takes the new offer, the tabs hear it, and the frame is acked. A revoked device's frame changes nothing.
   */
  async #onConnectors(connection: Connection<SocketState>, deviceId: string, frame: ConnectorsFrame): Promise<void> {
    const { sockets } = this.#host;
    let stored: boolean;
    try {
      stored = await this.#storeDevice(deviceId, offerColumns(frame));
    } catch (error) {
      console.error("relay: storing an agent's connectors failed", error);
      return sockets.refuse(connection, { code: "internal", message: "The relay could not store this agent's connectors just now; send them again.", ref: frame.id });
    }
    if (!stored) {
      connection.close(CLOSE_REVOKED, "device revoked");
      return;
    }
    sockets.send(connection, toAgent("ack", frameId(), { ref: frame.id }));
    await sockets.broadcastDevice(deviceId);
  }

  /**
   * Commands local clients ran on the agent, for the audit log: recorded in the relay's outbox to D1 (durable here
   * before the ack lets the agent forget them); an entry sent again is stored once (see ./local-audit.ts). Malformed
   * entries are named in an `error` frame and in the ack's `refused`, as activity's are.
   */
  async #onAudit(connection: Connection<SocketState>, deviceId: string, frame: AuditFrame): Promise<void> {
    const { queue, sockets } = this.#host;
    let revoked: boolean;
    try {
      const device = await queue.deviceFor(deviceId);
      revoked = device === null || device.revokedAt !== null;
    } catch (error) {
      console.error("relay: reading a device for its audit entries failed", error);
      return sockets.refuse(connection, { code: "internal", message: "The relay could not store these audit entries just now; send them again.", ref: frame.id });
    }
    if (revoked) {
      connection.close(CLOSE_REVOKED, "device revoked");
      return;
    }
    const { lines, refused } = localAuditLines(deviceId, frame.entries, Date.now());
    queue.sync.recordMany(lines.map((audit) => ({ kind: "audit", audit })));
    queue.flushSoon();
    if (refused.length > 0) {
      const which = refused.slice(0, 5).map((r) => `#${r.index}: ${r.reason}`).join("; ");
      sockets.refuse(connection, { code: "validation_failed", message: `${refused.length} of ${frame.entries.length} audit entries were refused (${which}).`, ref: frame.id });
    }
    sockets.send(connection, toAgent("ack", frameId(), { ref: frame.id, ...(refused.length > 0 ? { refused } : {}) }));
  }

  /** An agent's socket closed: unless another socket of the device is up, it is offline from now. */
  onClose(connection: Connection<SocketState>, deviceId: string): void {
    const host = this.#host;
    if (host.sockets.isOnline(deviceId, connection.id)) return;
    host.queue.sync.record({ kind: "device_seen", deviceId, at: Date.now() });
    void host.sockets.broadcastDevice(deviceId);
    host.queue.flushSoon();
    host.keepAlive(this.#wentOffline(deviceId));
  }

  /** Starts the clock on "agent offline": the user hears of it if it stays away past their rule's minutes. */
  async #wentOffline(deviceId: string): Promise<void> {
    const device = await this.#host.queue.deviceFor(deviceId).catch(() => null);
    // A revoked device's end was the user's own doing.
    if (!device || device.revokedAt !== null) return;
    await this.#host.notifier.agentWentOffline(deviceId, device.name).catch((error: unknown) => console.error("relay: offline watch failed", error));
  }

  /**
   * Everything without a result goes again, in `seq` order; the agent dedupes by id. A long backlog goes in
   * chunks, yielding between them, so acks, results and other users' requests are served meanwhile. Until the
   * backlog is through, new commands for the device wait their turn here instead of overtaking it.
   */
  async #redeliver(connection: Connection<SocketState>, deviceId: string): Promise<void> {
    const { memory, queue } = this.#host;
    memory.redelivering.set(deviceId, connection.id);
    try {
      let afterSeq = 0;
      for (;;) {
        const chunk = queue.commands.owed(deviceId, afterSeq, REDELIVER_CHUNK);
        if (connection.state?.role === "agent" && connection.state.batch) queue.deliverBatch(connection, chunk);
        else for (const command of chunk) queue.deliver(connection, command);
        queue.flushSoon();
        const last = chunk.at(-1);
        if (!last?.seq || connection.readyState !== WebSocket.OPEN) return;
        afterSeq = last.seq;
        await scheduler.wait(0);
      }
    } finally {
      // A newer connection of the same device may have started its own pass meanwhile; leave that one be.
      if (memory.redelivering.get(deviceId) === connection.id) memory.redelivering.delete(deviceId);
    }
  }

  /**
   * Stores a batch of activity and acks the frame only once D1 has committed it, so the agent keeps the events
   * until they are safe. Refused events are named in an `error` frame and in the ack, and recorded for the device
   * page; the rest are stored and the frame acked.
   */
  async #onActivity(connection: Connection<SocketState>, deviceId: string, frame: { id: string; events: unknown[] }): Promise<void> {
    const { sockets } = this.#host;
    let result;
    try {
      result = await ingestActivities(this.#host.db, this.#host.userId(), { deviceId, source: "agent", events: frame.events });
    } catch (error) {
      console.error("relay: activity ingest failed", error);
      return sockets.refuse(connection, { code: "internal", message: "The activity could not be stored just now; keep it and send it again later.", ref: frame.id });
    }
    if (result.rejected.length > 0) {
      // Kept for the device page before the ack lets the agent forget them; if this write fails the agent sends
      // the frame again, and the stored events are only duplicates then.
      try {
        await recordRefusals(this.#host.db, this.#host.userId(), { deviceId, frameId: frame.id, events: frame.events, refused: result.rejected });
      } catch (error) {
        console.error("relay: recording refused activity failed", error);
        return sockets.refuse(connection, { code: "internal", message: "The activity could not be stored just now; keep it and send it again later.", ref: frame.id });
      }
      const which = result.rejected.slice(0, 5).map((r) => `#${r.index}: ${r.reason}`).join("; ");
      sockets.refuse(connection, { code: "validation_failed", message: `${result.rejected.length} of ${frame.events.length} events were refused (${which}).`, ref: frame.id });
    }
    // The refused events travel with the ack, so the agent keeps them (with their reason) instead of dropping them.
    sockets.send(connection, toAgent("ack", frameId(), { ref: frame.id, ...(result.rejected.length > 0 ? { refused: result.rejected } : {}) }));
    this.#host.activityStored(result.fresh);
  }

  #onAck(commandId: string): void {
    const { queue } = this.#host;
    const moved = queue.commands.move(commandId, "acked", Date.now());
    if (moved) queue.changed(moved, { kind: "command.acked", summary: `${describe(moved)} received by the device` });
    queue.flushSoon();
  }

  /** A cumulative ack: everything of the device up to `throughSeq` is stored on the machine. One write for the lot. */
  #onAcks(connection: Connection<SocketState>, deviceId: string, ref: string, throughSeq: number): void {
    const { queue, sockets } = this.#host;
    const state = connection.state;
    const sentThrough = state?.role === "agent" ? (state.sentThrough ?? 0) : 0;
    if (throughSeq > sentThrough) {
      return sockets.refuse(connection, {
        code: "validation_failed",
        message: `acks.through_seq is ${throughSeq}, but the highest seq sent on this connection is ${sentThrough}. Ack only commands you received.`,
        ref,
      });
    }
    const moved = queue.commands.ackThrough(deviceId, throughSeq, Date.now());
    queue.changedMany(moved, (command) => ({ kind: "command.acked", summary: `${describe(command)} received by the device` }));
    queue.flushSoon();
  }

  /**
   * A batch of results, persisted in one write before the one `ack` that answers the frame; results the relay
   * would not take are named in the ack's `refused`, and the rest are stored.
   */
  #onResults(connection: Connection<SocketState>, deviceId: string, frame: ResultsFrame): void {
    const { queue, sockets } = this.#host;
    const { moved, refused } = queue.commands.finishMany(
      deviceId,
      frame.results.map((r) => ({ commandId: r.command_id, outcome: r.outcome })),
      Date.now(),
    );
    queue.changedMany(moved, (command) =>
      command.status === "done" ? { kind: "command.done", summary: `${describe(command)} finished` } : { kind: `command.${command.status}`, summary: `${describe(command)} failed: ${command.error?.message ?? ""}` },
    );
    queue.flushSoon();
    sockets.send(connection, toAgent("ack", frameId(), { ref: frame.id, ...(refused.length > 0 ? { refused } : {}) }));
  }

  #onResult(commandId: string, outcome: { status: "done"; data?: Json } | { status: "failed"; error: { code: ErrorCode; message: string } }): void {
    const { queue } = this.#host;
    const now = Date.now();
    const moved =
      outcome.status === "done" ? queue.commands.move(commandId, "done", now, { result: outcome.data ?? null }) : queue.commands.move(commandId, "failed", now, { error: outcome.error });
    // A repeated result, or one for a command that already expired, changes nothing: it is only acked.
    if (moved) {
      const summary = moved.status === "done" ? `${describe(moved)} finished` : `${describe(moved)} failed: ${moved.error?.message ?? ""}`;
      queue.changed(moved, { kind: `command.${moved.status}`, summary });
    }
    queue.flushSoon();
  }

  #onPermissionRequest(deviceId: string, frame: PermissionRequestFrame): void {
    const { queue } = this.#host;
    const record: PermissionRequestRecord = {
      id: crypto.randomUUID(),
      deviceId,
      commandId: frame.command_id && queue.commands.get(frame.command_id) ? frame.command_id : null,
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
    queue.putRequest(record, { kind: "permission.requested", summary: `The device asks to ${frame.target}.${frame.action}: ${frame.context}`, deviceId, commandId: record.commandId });
    queue.flushSoon();
  }
}
