import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./tables.ts";

/** A conversation with the assistant. */
export const chats = sqliteTable(
  "chats",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("chats_user_updated_idx").on(t.userId, t.updatedAt)],
);

/** A message in a chat, or in a thread under one of its messages. Full-text indexed by `messages_fts` (see its migration). */
export const messages = sqliteTable(
  "messages",
  {
    id: text("id").primaryKey(),
    chatId: text("chat_id")
      .notNull()
      .references(() => chats.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull(),
    threadId: text("thread_id"),
    role: text("role", { enum: ["user", "assistant"] }).notNull(),
    content: text("content").notNull(),
    status: text("status", { enum: ["sending", "sent", "delivered", "read", "error"] }).notNull(),
    /** JSON array of the command ids this message started. */
    commandIds: text("command_ids").notNull().default("[]"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("messages_chat_created_idx").on(t.chatId, t.threadId, t.createdAt), index("messages_thread_idx").on(t.threadId)],
);

export type ChatRow = typeof chats.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
