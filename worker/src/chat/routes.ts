import { and, count, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import { Hono } from "hono";
import { CreateChatRequest, MessageListQuery, RenameChatRequest, SearchQuery, cursorAfter } from "#protocol";
import type { ChatView, MessageView, SearchHit } from "#protocol";
import { requireUser } from "../auth/session.ts";
import { openDb, schema } from "../db/index.ts";
import type { Db } from "../db/index.ts";
import { newestFirst, olderThan } from "../http/cursor.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { jsonBody, queryParams } from "../http/validate.ts";
import { chatView, ftsQuery, messageView } from "./views.ts";

const { chats, messages } = schema;

const NEW_CHAT_TITLE = "New chat";

async function ownChat(db: Db, userId: string, chatId: string) {
  const chat = await db.select().from(chats).where(and(eq(chats.id, chatId), eq(chats.userId, userId))).get();
  if (!chat) throw new ApiError(404, "not_found", "There is no such chat. It may have been deleted.");
  return chat;
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
      next_before: rows.length === limit && last ? cursorAfter(last) : null,
    };
    return c.json(body, 200);
  });

/** /api/search: full-text search across all of the user's chats (SQLite FTS5 in D1). */
export const searchApi = new Hono<AppEnv>().get("/", requireUser, queryParams(SearchQuery), async (c) => {
  const { q, limit } = c.req.valid("query");
  const match = ftsQuery(q);
  const body: { results: SearchHit[] } = { results: [] };
  if (match === null) return c.json(body, 200);
  const { results } = await c.env.DB.prepare(
    `SELECT m.id AS message_id, m.chat_id, c.title AS chat_title, m.thread_id, m.role, m.created_at,
            snippet(messages_fts, 0, '[', ']', '…', 12) AS snippet
     FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid JOIN chats c ON c.id = m.chat_id
     WHERE messages_fts MATCH ? AND m.user_id = ?
     ORDER BY rank LIMIT ?`,
  )
    .bind(match, c.get("auth").user.id, limit)
    .all<{ message_id: string; chat_id: string; chat_title: string; thread_id: string | null; role: string; created_at: number; snippet: string }>();
  body.results = results.map((r) => ({ ...r, role: r.role === "assistant" ? "assistant" : "user" }));
  return c.json(body, 200);
});
