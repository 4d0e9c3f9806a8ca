import { SvelteMap } from "svelte/reactivity";
import type { CommandView, MessageView, PermissionRequestView, TurnState } from "#protocol";
import { ApiFailure } from "#lib/shared/api.ts";
import { chats, followReply, sendMessage } from "./api.ts";
import type { StreamedEvent } from "./api.ts";
import { commands } from "#lib/commands/api.ts";
import type { Relay } from "#lib/shared/relay.svelte.ts";

/** A reply being written: what has streamed so far. */
export type LiveReply = {
  text: string;
  state: TurnState | null;
  permission: PermissionRequestView | null;
  /** The last event number seen, to resume from. */
  lastId: number;
  stopping: boolean;
};

/** A reply's live state as a deep `$state` proxy, so streamed text and prompts re-render where they are read. */
function liveReply(lastId: number): LiveReply {
  const live = $state<LiveReply>({ text: "", state: "thinking", permission: null, lastId, stopping: false });
  return live;
}

const PAGE_SIZE = 30;
/** How long to wait before rejoining a reply whose stream was cut off, growing to the maximum. */
const REJOIN_DELAYS_MS = [250, 1000, 2000, 5000];

/**
 * One conversation (a chat, or a thread inside one) as the page shows it: its messages, paged back on demand, and
 * the replies streaming into it. A reply's stream is resumed from its last event when it is cut off, and a reply
 * started in another tab is joined when the relay says it began.
 */
export class Conversation {
  messages = $state<MessageView[]>([]);
  nextBefore = $state<string | null>(null);
  status = $state<"loading" | "ready" | "error">("loading");
  loadError = $state<string | null>(null);
  loadingOlder = $state(false);
  sendError = $state<string | null>(null);
  readonly live = new SvelteMap<string, LiveReply>();
  readonly chatId: string;
  readonly threadId: string | null;
  readonly #relay: Relay;
  /** Called when a reply streamed here has finished (to read it aloud). */
  onfinished: ((message: MessageView) => void) | null = null;
  readonly #aborts = new Set<AbortController>();
  /** Replies whose stream is being read right now, so a reply is never followed twice. */
  readonly #following = new Set<string>();
  #disposed = false;

  constructor(relay: Relay, chatId: string, threadId: string | null = null) {
    this.#relay = relay;
    this.chatId = chatId;
    this.threadId = threadId;
  }

  /** True while a reply is being written here: the composer shows Stop instead of Send. */
  get busy(): boolean {
    return this.live.size > 0;
  }

  async load(): Promise<void> {
    this.status = "loading";
    this.loadError = null;
    try {
      const page = await chats.messages(this.chatId, { thread: this.threadId ?? undefined, limit: PAGE_SIZE });
      this.messages = page.messages;
      this.nextBefore = page.next_before;
      this.status = "ready";
      await this.#loadCommands(page.messages);
      // A reply still being written when the page opened: join it.
      for (const message of page.messages) if (message.role === "assistant" && message.status === "sending") void this.join(message.id);
    } catch (error) {
      this.loadError = error instanceof ApiFailure ? error.message : "Couldn't load this chat. Try again.";
      this.status = "error";
    }
  }

  /** Loads the page before the oldest message shown; returns whether anything came. */
  async loadOlder(): Promise<boolean> {
    if (!this.nextBefore || this.loadingOlder) return false;
    this.loadingOlder = true;
    try {
      const page = await chats.messages(this.chatId, { thread: this.threadId ?? undefined, before: this.nextBefore, limit: PAGE_SIZE });
      const known = new Set(this.messages.map((m) => m.id));
      this.messages = [...page.messages.filter((m) => !known.has(m.id)), ...this.messages];
      this.nextBefore = page.next_before;
      await this.#loadCommands(page.messages);
      return page.messages.length > 0;
    } catch (error) {
      this.loadError = error instanceof ApiFailure ? error.message : "Couldn't load older messages.";
      return false;
    } finally {
      this.loadingOlder = false;
    }
  }

  /** Sends a message and follows the reply; false (with `sendError`) when it could not be sent. */
  async send(content: string): Promise<boolean> {
    this.sendError = null;
    const now = Date.now();
    const pending: MessageView = {
      id: `pending-${now}`,
      chat_id: this.chatId,
      thread_id: this.threadId,
      role: "user",
      content,
      status: "sending",
      reply_count: 0,
      command_ids: [],
      created_at: now,
      updated_at: now,
    };
    this.messages = [...this.messages, pending];
    const abort = this.#track(new AbortController());
    let replyId: string | null = null;
    try {
      const end = await sendMessage(
        this.chatId,
        { content, ...(this.threadId ? { thread_id: this.threadId } : {}) },
        (event) => {
          if (event.event === "turn") {
            replyId = event.data.message.id;
            this.#following.add(replyId);
            this.messages = this.messages.filter((m) => m.id !== pending.id);
          }
          this.#apply(event, replyId);
        },
        abort.signal,
      );
      if (replyId) this.#following.delete(replyId);
      // Cut off mid-reply: pick it up from the last event. (A reply waiting for permission resumes on the relay's word.)
      if (end === "cut" && replyId) void this.join(replyId);
      return true;
    } catch (error) {
      this.messages = this.messages.map((m) => (m.id === pending.id ? { ...m, status: "error" } : m));
      this.sendError = error instanceof ApiFailure ? error.message : "Couldn't send. Try again.";
      return false;
    } finally {
      this.#aborts.delete(abort);
    }
  }

  /**
   * Follows a reply from its last event seen, rejoining with backoff while the stream is cut off, until the reply
   * ends or waits for a permission answer (the page calls this again when the relay says it resumed).
   */
  async join(replyId: string): Promise<void> {
    if (this.#following.has(replyId)) return;
    this.#following.add(replyId);
    if (!this.live.has(replyId)) this.live.set(replyId, liveReply(0));
    try {
      for (let attempt = 0; !this.#disposed; attempt++) {
        const abort = this.#track(new AbortController());
        try {
          const end = await followReply(this.chatId, replyId, this.live.get(replyId)?.lastId ?? 0, (event) => this.#apply(event, replyId), abort.signal);
          if (end !== "cut") return;
        } catch (error) {
          // Gone (the relay forgot a long-finished turn): the stored message is the answer.
          if (error instanceof ApiFailure && error.status === 404) {
            this.live.delete(replyId);
            await this.load();
            return;
          }
        } finally {
          this.#aborts.delete(abort);
        }
        await new Promise((resolve) => setTimeout(resolve, REJOIN_DELAYS_MS[Math.min(attempt, REJOIN_DELAYS_MS.length - 1)]));
      }
    } finally {
      this.#following.delete(replyId);
    }
  }

  async stop(replyId: string): Promise<void> {
    const live = this.live.get(replyId);
    if (live) live.stopping = true;
    try {
      await chats.stop(this.chatId, replyId);
    } catch {
      // Already finished: its `done` event is on its way.
    }
    // A reply that waited for permission had no open stream: read its end.
    void this.join(replyId);
  }

  /** A turn started in the thread under `messageId`: its question and reply add two to the count shown. */
  countThreadTurn(messageId: string): void {
    const index = this.messages.findIndex((m) => m.id === messageId);
    const message = this.messages[index];
    if (message) this.messages[index] = { ...message, reply_count: message.reply_count + 2 };
  }

  /** Forgets a prompt answered elsewhere (another tab, or the prompt overlay). */
  settlePrompt(requestId: string): void {
    for (const reply of this.live.values()) if (reply.permission?.id === requestId) reply.permission = null;
  }

  dispose(): void {
    this.#disposed = true;
    for (const abort of this.#aborts) abort.abort();
    this.#aborts.clear();
  }

  #track(abort: AbortController): AbortController {
    this.#aborts.add(abort);
    return abort;
  }

  /** Applies one event of the stream that follows reply `replyId` (known from its `turn` event, or the URL). */
  #apply(event: StreamedEvent, streamReplyId: string | null): void {
    if (event.event === "turn") {
      const { user_message, message } = event.data;
      this.#upsert(user_message);
      this.#upsert(message);
      if (!this.live.has(message.id)) this.live.set(message.id, liveReply(0));
    }
    const replyId = event.event === "turn" ? event.data.message.id : streamReplyId;
    const live = replyId ? this.live.get(replyId) : undefined;
    if (!replyId || !live) return;
    if (event.id <= live.lastId) return; // a replayed event already applied
    live.lastId = event.id;
    switch (event.event) {
      case "state":
        live.state = event.data.state;
        if (event.data.state !== "waiting_permission") live.permission = null;
        break;
      case "token":
        live.text += event.data.text;
        break;
      case "command":
        this.#relay.rememberCommand(event.data.command);
        this.#addCommand(replyId, event.data.command);
        break;
      case "permission":
        live.permission = event.data.request;
        break;
      case "done":
        this.#upsert(event.data.message);
        this.live.delete(replyId);
        this.onfinished?.(event.data.message);
        break;
      case "error":
        this.#upsert(event.data.reply);
        this.live.delete(replyId);
        break;
    }
  }

  #upsert(message: MessageView): void {
    if (message.thread_id !== this.threadId) return;
    const index = this.messages.findIndex((m) => m.id === message.id);
    if (index >= 0) this.messages[index] = message;
    else this.messages = [...this.messages, message].sort((a, b) => a.created_at - b.created_at);
  }

  #addCommand(replyId: string, command: CommandView): void {
    const index = this.messages.findIndex((m) => m.id === replyId);
    const message = this.messages[index];
    if (message && !message.command_ids.includes(command.id)) this.messages[index] = { ...message, command_ids: [...message.command_ids, command.id] };
  }

  async #loadCommands(messages: readonly MessageView[]): Promise<void> {
    const missing = messages.flatMap((m) => m.command_ids).filter((id) => !this.#relay.commands.has(id));
    const loaded = await Promise.allSettled(missing.map((id) => commands.get(id)));
    for (const result of loaded) if (result.status === "fulfilled") this.#relay.rememberCommand(result.value);
  }
}
