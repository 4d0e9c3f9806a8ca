import { z } from "zod";
import type { ChatView, MessageView } from "#protocol";
import type { ChatRow, MessageRow } from "../db/schema.ts";

const PREVIEW_CHARS = 140;
const CommandIds = z.array(z.string()).catch([]);

/** The chat list's view of a chat, with its latest message shortened. */
export function chatView(row: ChatRow, latest: string | null): ChatView {
  const preview = latest === null ? null : latest.length > PREVIEW_CHARS ? `${latest.slice(0, PREVIEW_CHARS - 1)}…` : latest;
  return { id: row.id, title: row.title, created_at: row.createdAt, updated_at: row.updatedAt, preview };
}

export function messageView(row: MessageRow, replyCount: number): MessageView {
  return {
    id: row.id,
    chat_id: row.chatId,
    thread_id: row.threadId,
    role: row.role,
    content: row.content,
    status: row.status,
    reply_count: replyCount,
    command_ids: CommandIds.parse(JSON.parse(row.commandIds)),
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/**
 * Turns what a user typed into an FTS5 query that cannot be a syntax error: each word becomes a quoted prefix
 * term, so `tax retur` finds "tax returns" and stray quotes or operators are just text.
 */
export function ftsQuery(input: string): string | null {
  const words = input.match(/[\p{L}\p{N}_]+/gu) ?? [];
  return words.length === 0 ? null : words.map((w) => `"${w}"*`).join(" ");
}
