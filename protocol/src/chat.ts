import { z } from "zod";
import { CommandView } from "./command.ts";
import { Cursor } from "./cursor.ts";
import { PermissionRequestView } from "./permissions.ts";

/** The seed's message statuses: a user message goes sending → sent → delivered → read; error if it failed. */
export const MESSAGE_STATUSES = ["sending", "sent", "delivered", "read", "error"] as const;
export const MessageStatus = z.enum(MESSAGE_STATUSES);

export const ChatView = z.object({
  id: z.string(),
  title: z.string(),
  created_at: z.number(),
  updated_at: z.number(),
  /** The latest message in the main conversation, shortened, for the chat list. */
  preview: z.string().nullable(),
});
export type ChatView = z.infer<typeof ChatView>;

export const MessageView = z.object({
  id: z.string(),
  chat_id: z.string(),
  /** The message this one replies to in a thread; null in the main conversation. */
  thread_id: z.string().nullable(),
  role: z.enum(["user", "assistant"]),
  content: z.string(),
  status: MessageStatus,
  /** Replies in this message's thread. */
  reply_count: z.number(),
  /** Commands this message started, by id (their live state comes from the relay). */
  command_ids: z.array(z.string()),
  created_at: z.number(),
  updated_at: z.number(),
});
export type MessageView = z.infer<typeof MessageView>;

const Title = z.string().trim().min(1, { error: "Give the chat a title." }).max(120, { error: "Use at most 120 characters for the title." });

/** client → API: POST /api/chats */
export const CreateChatRequest = z.object({ title: Title.optional() });
/** client → API: PATCH /api/chats/:id */
export const RenameChatRequest = z.object({ title: Title });

/** client → API: POST /api/chats/:id/messages */
export const SendMessageRequest = z.object({
  content: z.string().trim().min(1, { error: "Write a message first." }).max(20_000, { error: "Messages are limited to 20,000 characters." }),
  /** Reply inside the thread of this message. */
  thread_id: z.string().min(1).max(128).optional(),
  /** The sender's offset from UTC in minutes (east positive), so "last month" means their month. */
  tz_offset: z.number().int().min(-840).max(840).optional(),
});
export type SendMessageRequest = z.infer<typeof SendMessageRequest>;

/** GET /api/chats/:id/messages: pages back from the newest with the `next_before` cursor; `thread` picks a thread. */
export const MessageListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(30),
  before: Cursor.optional(),
  thread: z.string().max(128).optional(),
});

/** GET /api/search?q= : full-text search over all of the user's chats. */
export const SearchQuery = z.object({
  q: z.string().trim().min(1, { error: "Type something to search for." }).max(200),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

export const SearchHit = z.object({
  chat_id: z.string(),
  chat_title: z.string(),
  message_id: z.string(),
  thread_id: z.string().nullable(),
  role: z.enum(["user", "assistant"]),
  /** The matching text with the matches wrapped in `[` and `]`. */
  snippet: z.string(),
  created_at: z.number(),
});
export type SearchHit = z.infer<typeof SearchHit>;

// ── a turn's stream (SSE) ────────────────────────────────────────────────────────────────────
// POST /api/chats/:id/messages answers with `text/event-stream`. Each event has an `id:` (its number in the turn,
// from 1), an `event:` name below and a JSON `data:` line. GET /api/chats/:id/messages/:mid/stream replays a
// turn from after `Last-Event-ID` (header) or `?after=` and then follows it live, until `done` or `error`, or
// `permission`: a turn that waits for the user ends its streams, and the relay's `turn` frame says when it resumes.

/** What the assistant is doing now: drives "assistant is typing" and the command card's spinner. */
export const TurnState = z.enum(["thinking", "running", "waiting_permission"]);
export type TurnState = z.infer<typeof TurnState>;

export const TurnEvent = z.discriminatedUnion("event", [
  /** First: the stored user message and the assistant's (still empty) reply. */
  z.object({ event: z.literal("turn"), data: z.object({ user_message: MessageView, message: MessageView }) }),
  z.object({ event: z.literal("state"), data: z.object({ state: TurnState }) }),
  /** The next piece of the reply's text. */
  z.object({ event: z.literal("token"), data: z.object({ text: z.string() }) }),
  /** A command the turn started, each time it changes. */
  z.object({ event: z.literal("command"), data: z.object({ command: CommandView }) }),
  /** The turn needs the user's answer; answer it with POST /api/permission-requests/:id/decision. */
  z.object({ event: z.literal("permission"), data: z.object({ request: PermissionRequestView }) }),
  /** Last on success (or stop): the reply as stored. */
  z.object({ event: z.literal("done"), data: z.object({ message: MessageView, stopped: z.boolean() }) }),
  /** Last on failure: what went wrong, and the reply as stored (status `error`). */
  z.object({ event: z.literal("error"), data: z.object({ code: z.string(), message: z.string(), reply: MessageView }) }),
]);
export type TurnEvent = z.infer<typeof TurnEvent>;

/** GET …/stream?after=N: the events after number N (0 = from the start). */
export const TurnStreamQuery = z.object({ after: z.coerce.number().int().min(0).optional() });
