import type { TurnEvent } from "#protocol";

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

type Row = {
  id: string;
  chat_id: string;
  thread_id: string | null;
  user_message_id: string;
  status: string;
  request_id: string | null;
  decision: string | null;
  command_ids: string;
  created_at: number;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS turns (
  id TEXT PRIMARY KEY,
  chat_id TEXT NOT NULL,
  thread_id TEXT,
  user_message_id TEXT NOT NULL,
  status TEXT NOT NULL,
  request_id TEXT,
  decision TEXT,
  command_ids TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_request ON turns (request_id);
CREATE TABLE IF NOT EXISTS turn_events (
  turn_id TEXT NOT NULL,
  n INTEGER NOT NULL,
  event TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (turn_id, n)
);
`;

const FINAL = new Set(["done", "error"]);
/** Events after which a stream closes: the turn ended, or it waits for the user (the relay's `turn` frame says when it resumes). */
const CLOSING = new Set(["done", "error", "permission"]);
const encoder = new TextEncoder();

function fromRow(row: Row): TurnRecord {
  const status = row.status === "waiting" || row.status === "done" || row.status === "error" ? row.status : "running";
  return {
    id: row.id,
    chatId: row.chat_id,
    threadId: row.thread_id,
    userMessageId: row.user_message_id,
    status,
    requestId: row.request_id,
    decision: row.decision,
    commandIds: JSON.parse(row.command_ids),
    createdAt: row.created_at,
  };
}

/** One event in Server-Sent Events form; `id` is its number in the turn, for `Last-Event-ID`. */
export function sseEvent(n: number, event: string, data: string): Uint8Array {
  return encoder.encode(`id: ${n}\nevent: ${event}\ndata: ${data}\n\n`);
}

type Listener = (bytes: Uint8Array | null) => void;

/**
 * Turns and their events in the relay's SQLite. Every event is numbered and stored before it is sent, so a
 * stream can be replayed from any number: a browser that dropped mid-reply, or a second tab, sees the whole
 * reply and then follows it live.
 */
export class TurnStore {
  readonly #sql: SqlStorage;
  readonly #listeners = new Map<string, Set<Listener>>();

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    for (const statement of SCHEMA.split(";")) if (statement.trim()) sql.exec(statement);
  }

  create(turn: TurnRecord): void {
    this.#sql.exec(
      "INSERT INTO turns (id, chat_id, thread_id, user_message_id, status, request_id, decision, command_ids, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      turn.id,
      turn.chatId,
      turn.threadId,
      turn.userMessageId,
      turn.status,
      turn.requestId,
      turn.decision,
      JSON.stringify(turn.commandIds),
      turn.createdAt,
    );
  }

  get(id: string): TurnRecord | null {
    const row = this.#sql.exec<Row>("SELECT * FROM turns WHERE id = ?", id).toArray()[0];
    return row ? fromRow(row) : null;
  }

  /** Turns recorded as running. */
  running(): TurnRecord[] {
    return this.#sql.exec<Row>("SELECT * FROM turns WHERE status = 'running'").toArray().map(fromRow);
  }

  /** The chat whose turn ran this command, if a turn did. */
  chatOfCommand(commandId: string): string | null {
    const row = this.#sql.exec<{ chat_id: string }>("SELECT chat_id FROM turns, json_each(turns.command_ids) AS c WHERE c.value = ? LIMIT 1", commandId).toArray()[0];
    return row?.chat_id ?? null;
  }

  byRequest(requestId: string): TurnRecord | null {
    const row = this.#sql.exec<Row>("SELECT * FROM turns WHERE request_id = ?", requestId).toArray()[0];
    return row ? fromRow(row) : null;
  }

  update(id: string, patch: Partial<Pick<TurnRecord, "status" | "requestId" | "decision" | "commandIds">>): void {
    const turn = this.get(id);
    if (!turn) return;
    const next = { ...turn, ...patch };
    this.#sql.exec(
      "UPDATE turns SET status = ?, request_id = ?, decision = ?, command_ids = ? WHERE id = ?",
      next.status,
      next.requestId,
      next.decision,
      JSON.stringify(next.commandIds),
      id,
    );
  }

  /** Stores the turn's next event and sends it to everyone following the turn; `done`, `error` and `permission` end their streams. */
  append(turnId: string, event: TurnEvent): number {
    const data = JSON.stringify(event.data);
    const n = this.#sql
      .exec<{ n: number }>(
        "INSERT INTO turn_events (turn_id, n, event, data) VALUES (?, (SELECT coalesce(max(n), 0) + 1 FROM turn_events WHERE turn_id = ?), ?, ?) RETURNING n",
        turnId,
        turnId,
        event.event,
        data,
      )
      .one().n;
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
    return this.#sql
      .exec<{ data: string }>("SELECT data FROM turn_events WHERE turn_id = ? AND event = 'token' ORDER BY n", turnId)
      .toArray()
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
        const rows = this.#sql.exec<{ n: number; event: string; data: string }>("SELECT n, event, data FROM turn_events WHERE turn_id = ? AND n > ? ORDER BY n", turnId, after);
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
    this.#sql.exec("DELETE FROM turn_events WHERE turn_id IN (SELECT id FROM turns WHERE status IN ('done', 'error') AND created_at < ?)", before);
    this.#sql.exec("DELETE FROM turns WHERE status IN ('done', 'error') AND created_at < ?", before);
  }
}
