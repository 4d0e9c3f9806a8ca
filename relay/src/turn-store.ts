import { and, asc, eq, gt, inArray, lt, sql } from "drizzle-orm";
import type { TurnEvent } from "#protocol";
import { turnEvents, turns } from "./storage/index.ts";
import type { RelayDb } from "./storage/index.ts";

/** One assistant reply in the making: the relay runs it, stores every event of it, and streams them. */
export type TurnRecord = {
  /** The assistant message's id: one turn writes one reply. */
  id: string;
  chatId: string;
  threadId: string | null;
  userMessageId: string;
  status: "running" | "waiting" | "done" | "error";
  /** The permission request the turn waits on, while `waiting`. */
  requestId: string | null;
  /** The user's answer to that request, for the resumed run. */
  decision: string | null;
  commandIds: string[];
  createdAt: number;
};

type Row = typeof turns.$inferSelect;

const FINAL = new Set(["done", "error"]);
/** Events after which a stream closes: the turn ended, or it waits for the user (the relay's `turn` frame says when it resumes). */
const CLOSING = new Set(["done", "error", "permission"]);
const encoder = new TextEncoder();

function fromRow(row: Row): TurnRecord {
  const status = row.status === "waiting" || row.status === "done" || row.status === "error" ? row.status : "running";
  return {
    id: row.id,
    chatId: row.chatId,
    threadId: row.threadId,
    userMessageId: row.userMessageId,
    status,
    requestId: row.requestId,
    decision: row.decision,
    commandIds: JSON.parse(row.commandIds),
    createdAt: row.createdAt,
  };
}

/** One event in Server-Sent Events form; `id` is its number in the turn, for `Last-Event-ID`. */
export function sseEvent(n: number, event: string, data: string): Uint8Array {
  return encoder.encode(`id: ${n}\nevent: ${event}\ndata: ${data}\n\n`);
}

export type Listener = (bytes: Uint8Array | null) => void;

/**
 * Turns and their events in the relay's SQLite. Every event is numbered and stored before it is sent, so a
 * stream can be replayed from any number: a browser that dropped mid-reply, or a second tab, sees the whole
 * reply and then follows it live.
 */
export class TurnStore {
  readonly #db: RelayDb;
  readonly #listeners: Map<string, Set<Listener>>;

  /** `listeners`: who follows each turn live (memory only; see ../memory.ts). */
  constructor(db: RelayDb, listeners: Map<string, Set<Listener>>) {
    this.#db = db;
    this.#listeners = listeners;
  }

  create(turn: TurnRecord): void {
    this.#db
      .insert(turns)
      .values({
        id: turn.id,
        chatId: turn.chatId,
        threadId: turn.threadId,
        userMessageId: turn.userMessageId,
        status: turn.status,
        requestId: turn.requestId,
        decision: turn.decision,
        commandIds: JSON.stringify(turn.commandIds),
        createdAt: turn.createdAt,
      })
      .run();
  }

  get(id: string): TurnRecord | null {
    const row = this.#db.select().from(turns).where(eq(turns.id, id)).get();
    return row ? fromRow(row) : null;
  }

  /** Turns recorded as running. */
  running(): TurnRecord[] {
    return this.#db.select().from(turns).where(eq(turns.status, "running")).all().map(fromRow);
  }

  /** The chat whose turn ran this command, if a turn did. */
  chatOfCommand(commandId: string): string | null {
    // json_each over the stored id list: drizzle has no builder for a table-valued function.
    const row = this.#db
      .select({ chatId: turns.chatId })
      .from(turns)
      .where(sql`EXISTS (SELECT 1 FROM json_each(${turns.commandIds}) WHERE value = ${commandId})`)
      .limit(1)
      .get();
    return row?.chatId ?? null;
  }

  byRequest(requestId: string): TurnRecord | null {
    const row = this.#db.select().from(turns).where(eq(turns.requestId, requestId)).get();
    return row ? fromRow(row) : null;
  }

  update(id: string, patch: Partial<Pick<TurnRecord, "status" | "requestId" | "decision" | "commandIds">>): void {
    const turn = this.get(id);
    if (!turn) return;
    const next = { ...turn, ...patch };
    this.#db
      .update(turns)
      .set({ status: next.status, requestId: next.requestId, decision: next.decision, commandIds: JSON.stringify(next.commandIds) })
      .where(eq(turns.id, id))
      .run();
  }

  /** Stores the turn's next event and sends it to everyone following the turn; `done`, `error` and `permission` end their streams. */
  append(turnId: string, event: TurnEvent): number {
    const data = JSON.stringify(event.data);
    // The number is taken in the insert itself (a subquery drizzle's builder cannot place in VALUES), so it is never reused.
    const inserted = this.#db
      .insert(turnEvents)
      .values({ turnId, n: sql`(SELECT coalesce(max(${turnEvents.n}), 0) + 1 FROM ${turnEvents} WHERE ${turnEvents.turnId} = ${turnId})`, event: event.event, data })
      .returning({ n: turnEvents.n })
      .get();
    if (!inserted) throw new Error("relay storage: turn_events returned no row");
    const n = inserted.n;
    const bytes = sseEvent(n, event.event, data);
    const last = CLOSING.has(event.event);
    for (const listener of this.#listeners.get(turnId) ?? []) {
      listener(bytes);
      if (last) listener(null);
    }
    if (last) this.#listeners.delete(turnId);
    return n;
  }

  /** The text of the reply so far: its `token` events joined. */
  textOf(turnId: string): string {
    return this.#db
      .select({ data: turnEvents.data })
      .from(turnEvents)
      .where(and(eq(turnEvents.turnId, turnId), eq(turnEvents.event, "token")))
      .orderBy(asc(turnEvents.n))
      .all()
      .map((row) => (JSON.parse(row.data) as { text: string }).text)
      .join("");
  }

  /** The turn's events after number `after` as an SSE byte stream, then live ones until the turn ends or waits. */
  stream(turnId: string, after: number): ReadableStream<Uint8Array> {
    let listener: Listener | null = null;
    const stop = () => {
      if (listener) this.#listeners.get(turnId)?.delete(listener);
      listener = null;
    };
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        const rows = this.#db
          .select({ n: turnEvents.n, event: turnEvents.event, data: turnEvents.data })
          .from(turnEvents)
          .where(and(eq(turnEvents.turnId, turnId), gt(turnEvents.n, after)))
          .orderBy(asc(turnEvents.n))
          .all();
        for (const row of rows) controller.enqueue(sseEvent(row.n, row.event, row.data));
        const turn = this.get(turnId);
        if (!turn || FINAL.has(turn.status) || turn.status === "waiting") {
          controller.close();
          return;
        }
        listener = (bytes) => {
          try {
            if (bytes) controller.enqueue(bytes);
            else controller.close();
          } catch {
            stop(); // the reader went away
          }
        };
        const listeners = this.#listeners.get(turnId) ?? new Set<Listener>();
        listeners.add(listener);
        this.#listeners.set(turnId, listeners);
      },
      cancel: stop,
    });
  }

  /** Forgets finished turns older than `before`: D1 keeps the messages; the events only serve live streams. */
  prune(before: number): void {
    const old = and(inArray(turns.status, ["done", "error"]), lt(turns.createdAt, before));
    this.#db.delete(turnEvents).where(inArray(turnEvents.turnId, this.#db.select({ id: turns.id }).from(turns).where(old))).run();
    this.#db.delete(turns).where(old).run();
  }
}
