import { and, count, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import { Hono } from "hono";
import { CreateChatRequest, MessageListQuery, RenameChatRequest, SearchQuery, SendMessageRequest, TurnStreamQuery, cursorAfter } from "#protocol";
import type { ChatView, MessageView, SearchHit } from "#protocol";
import { requireUser } from "../auth/session.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import type { Db } from "../../../core/src/db/index.ts";
import { newestFirst, olderThan } from "../../../core/src/cursor.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { jsonBody, queryParams } from "../http/validate.ts";
import { createChatModel, modelEnv } from "../../../core/src/assistant/model.ts";
import { relayFor } from "../relay/stub.ts";
import { chatView, ftsQuery, messageView } from "../../../core/src/chat/views.ts";

const { chats, messages } = schema;

const NEW_CHAT_TITLE = "New chat";

async function ownChat(db: Db, userId: string, chatId: string) {
  const chat = await db.select().from(chats).where(and(eq(chats.id, chatId), eq(chats.userId, userId))).get();
  if (!chat) throw new ApiError(404, "not_found", "There is no such chat. It may have been deleted.");
  return chat;
}

/** The assistant's reply `messageId` in the user's chat `chatId` (404 otherwise), so a turn is only followed or stopped through its own chat. */
async function ownReply(db: Db, userId: string, chatId: string, messageId: string) {
  const chat = await ownChat(db, userId, chatId);
  const reply = await db.select({ id: messages.id }).from(messages).where(and(eq(messages.id, messageId), eq(messages.chatId, chat.id), eq(messages.role, "assistant"))).get();
  if (!reply) throw new ApiError(404, "not_found", "There is no such reply in this chat.");
  return reply;
}

/** /api/chats: the user's conversations and their messages. */
export const chatsApi = new Hono<AppEnv>()
  .use(requireUser)
  .get("/", async (c) => {
    const db = openDb(c.env.DB);
    const rows = await db.select().from(chats).where(eq(chats.userId, c.get("auth").user.id)).orderBy(desc(chats.updatedAt)).limit(200).all();
    const latest = new Map<string, string>();
    if (rows.length > 0) {
      // The newest main-conversation message of each chat, in one query.
      const previews = await db.all<{ chat_id: string; content: string }>(sql`
        SELECT m.chat_id, m.content FROM messages m
        WHERE m.chat_id IN ${rows.map((r) => r.id)} AND m.thread_id IS NULL
          AND m.created_at = (SELECT max(created_at) FROM messages WHERE chat_id = m.chat_id AND thread_id IS NULL)`);
      for (const p of previews) latest.set(p.chat_id, p.content);
    }
    const body: { chats: ChatView[] } = { chats: rows.map((row) => chatView(row, latest.get(row.id) ?? null)) };
    return c.json(body, 200);
  })

  .post("/", jsonBody(CreateChatRequest), async (c) => {
    const now = Date.now();
    const row = { id: crypto.randomUUID(), userId: c.get("auth").user.id, title: c.req.valid("json").title ?? NEW_CHAT_TITLE, createdAt: now, updatedAt: now };
    await openDb(c.env.DB).insert(chats).values(row);
    const body: { chat: ChatView } = { chat: chatView(row, null) };
    return c.json(body, 201);
  })

  .patch("/:id", jsonBody(RenameChatRequest), async (c) => {
    const db = openDb(c.env.DB);
    const chat = await ownChat(db, c.get("auth").user.id, c.req.param("id"));
    const renamed = { ...chat, title: c.req.valid("json").title, updatedAt: Date.now() };
    await db.update(chats).set({ title: renamed.title, updatedAt: renamed.updatedAt }).where(eq(chats.id, chat.id));
    const body: { chat: ChatView } = { chat: chatView(renamed, null) };
    return c.json(body, 200);
  })

  .delete("/:id", async (c) => {
    const db = openDb(c.env.DB);
    const chat = await ownChat(db, c.get("auth").user.id, c.req.param("id"));
    // Messages go with the chat (foreign key cascade), and their search entries with them (trigger).
    await db.delete(chats).where(eq(chats.id, chat.id));
    return c.json({ ok: true as const }, 200);
  })

  // Sends a message: both it and the assistant's (empty) reply are stored, then the user's relay runs the
  // turn and this answers with its event stream (SSE; see TurnEvent in protocol/src/chat.ts).
  .post("/:id/messages", jsonBody(SendMessageRequest), async (c) => {
    const userId = c.get("auth").user.id;
    const db = openDb(c.env.DB);
    const chat = await ownChat(db, userId, c.req.param("id"));
    const body = c.req.valid("json");
    if (body.thread_id) {
      const parent = await db.select({ id: messages.id }).from(messages).where(and(eq(messages.id, body.thread_id), eq(messages.chatId, chat.id), isNull(messages.threadId))).get();
      if (!parent) throw new ApiError(404, "not_found", "That thread is not in this chat.", { field: "thread_id" });
    }
    const now = Date.now();
    const base = { chatId: chat.id, userId, threadId: body.thread_id ?? null, commandIds: "[]" };
    const user = { ...base, id: crypto.randomUUID(), role: "user" as const, content: body.content, status: "sent" as const, createdAt: now, updatedAt: now };
    const reply = { ...base, id: crypto.randomUUID(), role: "assistant" as const, content: "", status: "sending" as const, createdAt: now + 1, updatedAt: now + 1 };
    const title = chat.title === NEW_CHAT_TITLE && !body.thread_id ? titleFrom(body.content) : chat.title;
    await db.batch([db.insert(messages).values([user, reply]), db.update(chats).set({ title, updatedAt: now }).where(eq(chats.id, chat.id))]);
    const stream = await relayFor(c.env, userId).startTurn({ text: body.content, userMessage: messageView(user, 0), message: messageView(reply, 0), ...(body.tz_offset !== undefined ? { tzOffset: body.tz_offset } : {}) });
    return sse(stream);
  })

  // Follows a turn: its events after `Last-Event-ID` (or `?after=`), then live until it ends.
  .get("/:id/messages/:mid/stream", queryParams(TurnStreamQuery), async (c) => {
    const userId = c.get("auth").user.id;
    const reply = await ownReply(openDb(c.env.DB), userId, c.req.param("id"), c.req.param("mid"));
    const lastEventId = Number(c.req.header("last-event-id") ?? Number.NaN);
    const after = Number.isInteger(lastEventId) && lastEventId >= 0 ? lastEventId : (c.req.valid("query").after ?? 0);
    const stream = await relayFor(c.env, userId).followTurn(reply.id, after);
    if (!stream) throw new ApiError(404, "not_found", "This reply has no stream any more; load the chat's messages instead.");
    return sse(stream);
  })

  // Stops a reply in progress; what it said so far is kept.
  .post("/:id/messages/:mid/stop", async (c) => {
    const userId = c.get("auth").user.id;
    const reply = await ownReply(openDb(c.env.DB), userId, c.req.param("id"), c.req.param("mid"));
    const stopped = await relayFor(c.env, userId).stopTurn(reply.id);
    if (!stopped) throw new ApiError(409, "conflict", "This reply has already finished.");
    return c.json({ ok: true as const }, 200);
  })

  .get("/:id/messages", queryParams(MessageListQuery), async (c) => {
    const db = openDb(c.env.DB);
    const chat = await ownChat(db, c.get("auth").user.id, c.req.param("id"));
    const { limit, before, thread } = c.req.valid("query");
    const rows = await db
      .select()
      .from(messages)
      .where(and(eq(messages.chatId, chat.id), thread ? eq(messages.threadId, thread) : isNull(messages.threadId), olderThan(messages, before)))
      .orderBy(...newestFirst(messages))
      .limit(limit)
      .all();
    const replies = new Map<string, number>();
    if (!thread && rows.length > 0) {
      const counts = await db
        .select({ threadId: messages.threadId, n: count() })
        .from(messages)
        .where(inArray(messages.threadId, rows.map((r) => r.id)))
        .groupBy(messages.threadId)
        .all();
      for (const { threadId, n } of counts) if (threadId) replies.set(threadId, n);
    }
    const last = rows[rows.length - 1];
    // Oldest first within the page, as a conversation reads; `next_before` pages further back.
    const body: { messages: MessageView[]; next_before: string | null } = {
      messages: rows.reverse().map((row) => messageView(row, replies.get(row.id) ?? 0)),
      next_before: rows.length === limit && last ? cursorAfter(last.createdAt, last.id) : null,
    };
    return c.json(body, 200);
  });

/** /api/assistant: what the assistant runs on, for the chat's header ("LLM: gpt-4o-mini" or "offline parser"). */
export const assistantApi = new Hono<AppEnv>().get("/", requireUser, (c) => {
  const model = createChatModel(modelEnv(c.env));
  const body: { model: string | null } = { model: model ? model.model : null };
  return c.json(body, 200);
});

/** /api/search: full-text search across all of the user's chats (SQLite FTS5 in D1). */
export const searchApi = new Hono<AppEnv>().get("/", requireUser, queryParams(SearchQuery), async (c) => {
  const { q, limit } = c.req.valid("query");
  const match = ftsQuery(q);
  const body: { results: SearchHit[] } = { results: [] };
  if (match === null) return c.json(body, 200);
  const userId = c.get("auth").user.id;
  // Raw SQL: FTS5 (MATCH, snippet(), rank) on a virtual table that has no drizzle schema.
  const results = await openDb(c.env.DB).all<{ message_id: string; chat_id: string; chat_title: string; thread_id: string | null; role: string; created_at: number; snippet: string }>(
    sql`SELECT m.id AS message_id, m.chat_id, c.title AS chat_title, m.thread_id, m.role, m.created_at,
            snippet(messages_fts, 0, '[', ']', '…', 12) AS snippet
     FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid JOIN chats c ON c.id = m.chat_id
     WHERE messages_fts MATCH ${match} AND m.user_id = ${userId}
     ORDER BY rank LIMIT ${limit}`,
  );
  body.results = results.map((r) => ({ ...r, role: r.role === "assistant" ? "assistant" : "user" }));
  return c.json(body, 200);
});

/** A chat's title from its first message: the first line, shortened at a word. */
function titleFrom(content: string): string {
  const line = content.split("\n")[0]?.trim() ?? "";
  if (line.length <= 60) return line || NEW_CHAT_TITLE;
  const cut = line.slice(0, 60);
  return `${cut.slice(0, cut.lastIndexOf(" ") > 30 ? cut.lastIndexOf(" ") : 60)}…`;
}

function sse(stream: ReadableStream<Uint8Array>): Response {
  return new Response(stream, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
  });
}
