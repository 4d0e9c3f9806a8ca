import { getContext, setContext } from "svelte";
import type { ChatView } from "#protocol";
import { ApiFailure } from "#lib/shared/api.ts";
import { chats } from "./api.ts";

/** The user's chats, newest activity first, shared by the chat list and the open conversation. */
export class ChatIndex {
  list = $state<ChatView[]>([]);
  status = $state<"loading" | "ready" | "error">("loading");
  error = $state<string | null>(null);

  async refresh(): Promise<void> {
    try {
      this.list = await chats.list();
      this.status = "ready";
      this.error = null;
    } catch (failure) {
      this.error = failure instanceof ApiFailure ? failure.message : "Couldn't load your chats.";
      if (this.list.length === 0) this.status = "error";
    }
  }

  /** Puts a chat (new or changed) at the top. */
  upsert(chat: ChatView): void {
    this.list = [chat, ...this.list.filter((c) => c.id !== chat.id)];
  }

  remove(id: string): void {
    this.list = this.list.filter((c) => c.id !== id);
  }

  get(id: string): ChatView | undefined {
    return this.list.find((c) => c.id === id);
  }
}

const KEY = Symbol("chat-index");

export function setChatIndex(index: ChatIndex): ChatIndex {
  return setContext(KEY, index);
}

export function getChatIndex(): ChatIndex {
  return getContext<ChatIndex>(KEY);
}
