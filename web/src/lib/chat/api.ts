import { z } from "zod";
import { ApiErrorBody, ChatView, MessageView, SearchHit, TurnEvent } from "#protocol";
import { api, ApiFailure, callParsed } from "#lib/shared/api.ts";

// The chat's calls. Sending a message answers with a Server-Sent Events stream (see TurnEvent in
// protocol/src/chat.ts), read here with fetch so it can carry the cookie, a body and `Last-Event-ID`.

const ChatList = z.object({ chats: z.array(ChatView) });
const OneChat = z.object({ chat: ChatView });
const MessagePage = z.object({ messages: z.array(MessageView), next_before: z.string().nullable() });
const Hits = z.object({ results: z.array(SearchHit) });
const Assistant = z.object({ model: z.string().nullable() });
const Ok = z.object({ ok: z.literal(true) });

export type MessagePage = z.infer<typeof MessagePage>;

export const chats = {
  list: async () => (await callParsed(api.chats.$get(), ChatList)).chats,
  create: async (title?: string) => (await callParsed(api.chats.$post({ json: title ? { title } : {} }), OneChat)).chat,
  rename: async (id: string, title: string) => (await callParsed(api.chats[":id"].$patch({ param: { id }, json: { title } }), OneChat)).chat,
  remove: (id: string) => callParsed(api.chats[":id"].$delete({ param: { id } }), Ok),
  /** One page of a conversation (or a thread), oldest first; `next_before` pages further back. */
  messages: (id: string, query: { before?: string; thread?: string; limit?: number } = {}) =>
    callParsed(
      api.chats[":id"].messages.$get({
        param: { id },
        query: { before: query.before, thread: query.thread, limit: query.limit === undefined ? undefined : String(query.limit) },
      }),
      MessagePage,
    ),
  stop: (id: string, messageId: string) => callParsed(api.chats[":id"].messages[":mid"].stop.$post({ param: { id, mid: messageId } }), Ok),
  search: async (q: string) => (await callParsed(api.search.$get({ query: { q } }), Hits)).results,
  assistant: () => callParsed(api.assistant.$get(), Assistant),
};

export type StreamedEvent = TurnEvent & { id: number };

/** Sends a message; resolves once the reply's stream is open, then calls `onEvent` for each event. */
export function sendMessage(chatId: string, body: { content: string; thread_id?: string }, onEvent: (event: StreamedEvent) => void, signal?: AbortSignal) {
  return openStream(`/api/chats/${encodeURIComponent(chatId)}/messages`, { method: "POST", body: JSON.stringify({ ...body, tz_offset: -new Date().getTimezoneOffset() }), headers: { "content-type": "application/json" }, signal }, onEvent);
}

/** Joins (or rejoins) a reply's stream after event number `after`. */
export function followReply(chatId: string, messageId: string, after: number, onEvent: (event: StreamedEvent) => void, signal?: AbortSignal) {
  const url = `/api/chats/${encodeURIComponent(chatId)}/messages/${encodeURIComponent(messageId)}/stream`;
  return openStream(url, { headers: { "last-event-id": String(after) }, signal }, onEvent);
}

/** How a reply's stream ended: the reply finished, it waits for a permission answer, or it was cut off (resume it). */
export type StreamEnd = "finished" | "waiting" | "cut";

/** Opens an SSE response and reads it to its end. Throws `ApiFailure` for an error answer. */
async function openStream(url: string, init: RequestInit, onEvent: (event: StreamedEvent) => void): Promise<StreamEnd> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, credentials: "same-origin" });
  } catch (error) {
    if (init.signal?.aborted) return "cut";
    throw new ApiFailure(0, "network", `Can't reach Hearth (${error instanceof Error ? error.message : "network error"}). Check your connection and try again.`);
  }
  if (!response.ok || !response.body) {
    const parsed = ApiErrorBody.safeParse(await response.json().catch(() => null));
    if (parsed.success) throw new ApiFailure(response.status, parsed.data.error.code, parsed.data.error.message, parsed.data.error.field);
    throw new ApiFailure(response.status, "internal", `Hearth answered with an unexpected error (${response.status}). Try again.`);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let last: string | null = null;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const event = parseEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (!event) continue;
        last = event.event;
        onEvent(event);
      }
    }
  } catch {
    // Cut off mid-stream (network, or the tab aborted it): the caller resumes from the last id.
  }
  // A stream closes after `permission` only when the turn waits; `turn`-only or partial streams were cut off.
  return last === "done" || last === "error" ? "finished" : last === "permission" ? "waiting" : "cut";
}

function parseEvent(block: string): StreamedEvent | null {
  const fields = new Map<string, string>();
  for (const line of block.split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
  }
  try {
    const parsed = TurnEvent.safeParse({ event: fields.get("event"), data: JSON.parse(fields.get("data") ?? "null") });
    return parsed.success ? { ...parsed.data, id: Number(fields.get("id")) } : null;
  } catch {
    return null;
  }
}
