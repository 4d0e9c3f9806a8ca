import { randomUUID } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import { ActivityFrame, MAX_BATCH, MAX_FRAME_BYTES, ResultFrame, checkActivityEvent, fromAgent, toAgent } from "#protocol";
import type { ActivityEvent, LocalAuditEntry, RefusedEvent } from "#protocol";
import type { InboundCommand, InboundCommands, OutboundAck, OutboundAcks, OutboundActivity, OutboundAudit } from "../link/frames.ts";
import type { Logger } from "../log.ts";
import { INTERRUPTED_MESSAGE } from "../store/commands.ts";
import type { CommandStore, StoredCommand } from "../store/commands.ts";
import { inTransaction } from "../store/db.ts";
import type { Outbox } from "../store/outbox.ts";
import type { RefusedActivity } from "../store/refused-activity.ts";
import type { Executor } from "./executor.ts";

/** The part of the relay link the processor needs. */
export type FrameChannel = {
  ready: () => boolean;
  sendText: (text: string) => boolean;
  /** Drops the connection and opens a new one: after `hello` the relay sends everything still owed, in order. */
  reconnect?: () => void;
};

export type ProcessorDeps = {
  db: DatabaseSync;
  store: CommandStore;
  outbox: Outbox;
  /** Where activity that was not taken is kept, with its reason. */
  refused: RefusedActivity;
  executor: Executor;
  channel: FrameChannel;
  log: Logger;
  /** HEARTH_DEBUG_ACTION_DELAY_MS: a pause between `running` and the action, to test crash recovery by hand. */
  debugActionDelayMs?: number;
  /** Called whenever the outbox changes size (for the status file). */
  onOutboxChange?: () => void;
};

/** Activity frames carry at most this many events. */
const ACTIVITY_BATCH = 500;
/** Audit frames carry at most this many entries (the protocol's bound). */
const AUDIT_BATCH = 100;
/** While other commands are still running, a finished result waits this long for others to share its `results` frame. */
const RESULT_BATCH_WAIT_MS = 2;
/** A `results` frame stays under this many bytes (the relay refuses frames over MAX_FRAME_BYTES). */
const RESULTS_FRAME_BUDGET = MAX_FRAME_BYTES - 4096;

/**
 * The durable command path. A command is stored before it is acked, marked running before its action starts, and
 * its result is stored (and queued in the outbox) before it is sent. Results and activity leave the outbox only on
 * the relay's ack, and the outbox is replayed in order after every `welcome`.
 */
export class CommandProcessor {
  readonly #deps: ProcessorDeps;
  /** Commands received or running in this process. */
  readonly #active = new Map<string, Promise<void>>();
  /** Commands waiting for the next start, so a burst starts in seq order. */
  #toStart: InboundCommand[] = [];
  #startScheduled = false;
  /** Outbox frames already sent on the current connection, so a redelivered command does not send its result twice. */
  #sentOnLink = new Set<string>();
  /** Whether the relay took the `batch` feature on this connection (its `welcome` said so). */
  #batchResults = false;
  /** Results waiting to go out together in a `results` frame, and whether their flush is scheduled. */
  #resultQueue: string[] = [];
  #resultTimer: NodeJS.Timeout | undefined;
  #resultImmediate: NodeJS.Immediate | undefined;
  /** `results` frames sent on this connection, by id: the outbox frame and command of each result it carries, in order. */
  #batches = new Map<string, { frameId: string; commandId: string }[]>();
  /**
   * A `commands` frame failed to store on this connection. From then on, until the next `welcome`, no `acks` goes
   * out and later frames are dropped: an `acks` is cumulative, so one for a later frame would tell the relay the
   * lost commands are stored too. The reconnect brings them all again, in order.
   */
  #storeFailed = false;

  constructor(deps: ProcessorDeps) {
    this.#deps = deps;
  }

  /** Handles a `command` frame from the relay. */
  onCommand(frame: InboundCommand): void {
    const { store } = this.#deps;
    const known = store.get(frame.id);
    if (!known) store.receive(frame);
    this.#ack(frame.id);
    this.#take(frame, known);
  }

  /**
   * Handles a `commands` frame (feature `batch`): every new command in it is stored in one transaction, then one
   * cumulative `acks` says all of them (and every earlier seq) are on this machine; each then goes on as a single one.
   */
  onCommands(frame: InboundCommands): void {
    const { store, db, log } = this.#deps;
    if (this.#storeFailed) return;
    const commands = frame.commands.map(({ id, ...body }) => toAgent("command", id, body));
    let known: (StoredCommand | null)[];
    try {
      known = inTransaction(db, () =>
        commands.map((command) => {
          const stored = store.get(command.id);
          if (!stored) store.receive(command);
          return stored;
        }),
      );
    } catch (error) {
      this.#storeFailed = true;
      log.error("command.store_failed", `Could not store ${commands.length} command(s) from the server (${error instanceof Error ? error.message : String(error)}); reconnecting, so the server sends them again.`);
      this.#deps.channel.reconnect?.();
      return;
    }
    const throughSeq = Math.max(...commands.map((command) => command.seq));
    const acks: OutboundAcks = fromAgent("acks", `acks-${randomUUID()}`, { through_seq: throughSeq });
    this.#deps.channel.sendText(JSON.stringify(acks));
    commands.forEach((command, index) => this.#take(command, known[index] ?? null));
  }

  /** A command stored and acked: a new one is scheduled; one known before is answered as its state says. */
  #take(frame: InboundCommand, known: StoredCommand | null): void {
    const { log } = this.#deps;
    if (!known) {
      log.info("command.received", `Received ${describe(frame)} (#${frame.seq}).`, { command_id: frame.id, seq: frame.seq });
      this.#schedule(frame);
      return;
    }
    if (known.status === "done" && known.result) {
      // Finished before: answer from the store, never run it again.
      if (this.#deps.outbox.put(known.result)) this.#deps.onOutboxChange?.();
      this.#sendResult(known.result.id);
      return;
    }
    if (this.#active.has(frame.id)) return;
    if (known.status === "running" && !known.readOnly) {
      // Running, but not in this process: startup recovery should have settled it. Whatever happened, never repeat it.
      const result = this.#deps.store.finish(frame.id, { status: "failed", error: { code: "interrupted", message: INTERRUPTED_MESSAGE } }, known.startedAt);
      this.#deps.onOutboxChange?.();
      this.#sendResult(result.id);
      return;
    }
    // Stored but never started by this process: a crash before `running`, or a read-only command reset at startup.
    this.#schedule(known.frame);
  }

  /**
   * Handles the relay's `ack`: the frame it names is stored on the server and leaves the outbox. Events the server
   * refused (`refused`) move to the refused store in the same transaction, so none is dropped quietly.
   */
  onAck(ref: string, refused: readonly RefusedEvent[] = []): void {
    const { outbox, log } = this.#deps;
    const batch = this.#batches.get(ref);
    if (batch) {
      // A results frame: every result in it is stored, or refused for good (resending would change nothing).
      this.#batches.delete(ref);
      for (const { index, reason } of refused) log.warn("result.refused", `The server did not take the result of command ${batch[index]?.commandId ?? "?"}: ${reason}`, { command_id: batch[index]?.commandId ?? null });
      inTransaction(this.#deps.db, () => {
        for (const { frameId } of batch) outbox.remove(frameId);
      });
      for (const { frameId } of batch) this.#sentOnLink.delete(frameId);
      this.#deps.onOutboxChange?.();
      return;
    }
    const removed = inTransaction(this.#deps.db, () => {
      if (refused.length > 0) {
        const entry = outbox.get(ref);
        const frame = entry ? ActivityFrame.safeParse(JSON.parse(entry.text)) : null;
        if (frame?.success) {
          const kept = refused.map(({ index, reason }) => ({ event: frame.data.events[index] ?? null, reason }));
          this.#deps.refused.add(kept, "server");
          for (const { reason } of kept) log.warn("activity.refused", `The server refused an activity event: ${reason}. It is kept on this computer; see \`hearth status\`.`);
        }
      }
      return outbox.remove(ref);
    });
    if (removed) {
      this.#sentOnLink.delete(ref);
      this.#deps.onOutboxChange?.();
    }
  }

  /** After `welcome`: replay the whole outbox, oldest first. `batch`: the relay takes `results` frames on this connection. */
  onWelcome(batch = false): void {
    this.#storeFailed = false;
    this.#sentOnLink.clear();
    this.#batches.clear();
    this.#batchResults = batch;
    const entries = this.#deps.outbox.list();
    if (entries.length > 0) this.#deps.log.info("outbox.flush", `Sending ${entries.length} stored frame(s) the server has not confirmed yet.`, { count: entries.length });
    for (const entry of entries) {
      if (!this.#deps.channel.sendText(entry.text)) break;
      this.#sentOnLink.add(entry.frameId);
    }
  }

  /**
   * Queues activity events for the server (durably, in batches). Each is checked first with the server's own
   * check: one it would refuse is kept in the refused store with its reason instead of sent. Returns the frame ids.
   */
  recordActivity(events: readonly ActivityEvent[]): string[] {
    const taken: ActivityEvent[] = [];
    const refused: { event: unknown; reason: string }[] = [];
    for (const event of events) {
      const checked = checkActivityEvent(event);
      if (checked.ok) taken.push(event);
      else refused.push({ event, reason: checked.reason });
    }
    if (refused.length > 0) {
      this.#deps.refused.add(refused, "agent");
      for (const { reason } of refused) this.#deps.log.warn("activity.refused", `An activity event was not sent, because the server would refuse it: ${reason}. It is kept on this computer; see \`hearth status\`.`);
    }
    const ids: string[] = [];
    for (let i = 0; i < taken.length; i += ACTIVITY_BATCH) {
      const frame: OutboundActivity = fromAgent("activity", `activity-${randomUUID()}`, { events: taken.slice(i, i + ACTIVITY_BATCH) });
      this.#deps.outbox.put(frame);
      ids.push(frame.id);
      this.#sendDurable(frame.id);
    }
    this.#deps.onOutboxChange?.();
    return ids;
  }

  /**
   * Queues what local clients ran here for the server's audit log, durably like activity: each `audit` frame leaves
   * the outbox only on the relay's ack (a resent entry is stored once there, by `entry_id`). Returns the frame ids.
   */
  recordAudit(entries: readonly LocalAuditEntry[]): string[] {
    const ids: string[] = [];
    for (let i = 0; i < entries.length; i += AUDIT_BATCH) {
      const frame: OutboundAudit = fromAgent("audit", `audit-${randomUUID()}`, { entries: entries.slice(i, i + AUDIT_BATCH) });
      try {
        this.#deps.outbox.put(frame);
      } catch (error) {
        // Called from inside a command's run (the executor's audit), which must not fail for it: a local command
        // that ends while the agent stops meets a closed store. audit.jsonl has the line already.
        this.#deps.log.warn("audit.unsent", `A local command's audit entry could not be queued for the server (${error instanceof Error ? error.message : String(error)}); it is in audit.jsonl.`);
        continue;
      }
      ids.push(frame.id);
      this.#sendDurable(frame.id);
    }
    if (ids.length > 0) this.#deps.onOutboxChange?.();
    return ids;
  }

  /** Resolves when every command started so far has finished (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.#active.size > 0 || this.#toStart.length > 0) {
      await Promise.all([...this.#active.values()]);
      if (this.#toStart.length > 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** How many commands are running or about to. */
  get activeCount(): number {
    return this.#active.size + this.#toStart.length;
  }

  #schedule(frame: InboundCommand): void {
    this.#toStart.push(frame);
    if (this.#startScheduled) return;
    this.#startScheduled = true;
    // Frames that arrive together (the replay after `welcome`) are started together, lowest seq first.
    setImmediate(() => {
      this.#startScheduled = false;
      const batch = this.#toStart.sort((a, b) => a.seq - b.seq);
      this.#toStart = [];
      for (const next of batch) {
        if (this.#active.has(next.id)) continue;
        const run = this.#run(next).finally(() => this.#active.delete(next.id));
        this.#active.set(next.id, run);
      }
    });
  }

  async #run(frame: InboundCommand): Promise<void> {
    const { store, executor, log } = this.#deps;
    let startedAt: number | null = null;
    try {
      const result = await executor.execute({
        commandId: frame.id,
        source: "relay",
        target: frame.command.target,
        action: frame.command.action,
        parameters: frame.command.parameters,
        approval: frame.approval,
        deadlineAt: frame.deadline_at,
        beforeRun: async () => {
          startedAt = Date.now();
          // Only a side effect needs `running` on disk first (so a crash reports it instead of repeating it);
          // a read-only command is simply run again after a crash, so it skips this write and its fsync.
          if (!frame.read_only) store.markRunning(frame.id, startedAt);
          log.info("command.started", `${describe(frame)} is running (#${frame.seq}).`, { command_id: frame.id });
          const delay = this.#deps.debugActionDelayMs ?? 0;
          if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        },
      });
      const stored = store.finish(frame.id, result.outcome, result.startedAt ?? startedAt, result.finishedAt);
      this.#deps.onOutboxChange?.();
      const how = result.outcome.status === "done" ? "done" : `failed (${result.outcome.error.code}: ${result.outcome.error.message})`;
      log.info("command.finished", `${describe(frame)} ${how}.`, { command_id: frame.id, status: result.outcome.status });
      this.#sendResult(stored.id);
    } catch (error) {
      // Only storage can fail here. The command stays as stored; a restart reports it, never reruns a side effect.
      log.error("command.store_failed", `Could not store the result of ${describe(frame)}: ${error instanceof Error ? error.message : String(error)}`, { command_id: frame.id });
    }
  }

  /**
   * Sends a stored result: alone when the relay takes no batches, else with the results that finish about now, in
   * one `results` frame. With nothing else running it goes on the next turn of the event loop, so a single command's
   * round trip does not wait; during a burst it waits RESULT_BATCH_WAIT_MS, or until MAX_BATCH are waiting.
   */
  #sendResult(frameId: string): void {
    if (!this.#batchResults) return this.#sendDurable(frameId);
    this.#resultQueue.push(frameId);
    if (this.#resultQueue.length >= MAX_BATCH) return this.#flushResults();
    if (this.#resultTimer || this.#resultImmediate) return;
    if (this.#active.size + this.#toStart.length > 1) this.#resultTimer = setTimeout(() => this.#flushResults(), RESULT_BATCH_WAIT_MS);
    else this.#resultImmediate = setImmediate(() => this.#flushResults());
  }

  #flushResults(): void {
    clearTimeout(this.#resultTimer);
    clearImmediate(this.#resultImmediate);
    this.#resultTimer = undefined;
    this.#resultImmediate = undefined;
    const waiting = this.#resultQueue.splice(0).filter((frameId) => !this.#sentOnLink.has(frameId));
    if (!this.#deps.channel.ready()) return; // the outbox keeps them; `welcome` replays it
    let chunk: { frameId: string; text: string }[] = [];
    let bytes = 0;
    const send = () => {
      const [only] = chunk;
      if (chunk.length === 1 && only) this.#sendDurable(only.frameId);
      else if (chunk.length > 1) this.#sendBatch(chunk);
      chunk = [];
      bytes = 0;
    };
    for (const frameId of waiting) {
      const entry = this.#deps.outbox.get(frameId);
      if (!entry) continue;
      // Bytes, not UTF-16 units: the relay measures the frame in UTF-8, and a non-ASCII result is larger there.
      const size = Buffer.byteLength(entry.text);
      if (chunk.length >= MAX_BATCH || bytes + size > RESULTS_FRAME_BUDGET) send();
      chunk.push(entry);
      bytes += size;
    }
    send();
  }

  /** One `results` frame for stored result frames; each stays in the outbox until the frame's ack. */
  #sendBatch(entries: readonly { frameId: string; text: string }[]): void {
    const results = entries.map((entry) => {
      const { v: _v, type: _type, id: _id, ...body } = ResultFrame.parse(JSON.parse(entry.text));
      return body;
    });
    const frame = fromAgent("results", `results-${randomUUID()}`, { results });
    if (!this.#deps.channel.sendText(JSON.stringify(frame))) return;
    this.#batches.set(
      frame.id,
      entries.map((entry, index) => ({ frameId: entry.frameId, commandId: results[index]?.command_id ?? "?" })),
    );
    for (const entry of entries) this.#sentOnLink.add(entry.frameId);
  }

  #sendDurable(frameId: string): void {
    if (this.#sentOnLink.has(frameId) || !this.#deps.channel.ready()) return;
    const entry = this.#deps.outbox.get(frameId);
    if (entry && this.#deps.channel.sendText(entry.text)) this.#sentOnLink.add(frameId);
  }

  #ack(ref: string): void {
    const ack: OutboundAck = fromAgent("ack", `ack-${randomUUID()}`, { ref });
    this.#deps.channel.sendText(JSON.stringify(ack));
  }
}

function describe(frame: InboundCommand): string {
  return `${frame.command.target}.${frame.command.action}`;
}
