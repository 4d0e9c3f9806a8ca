import { getContext, setContext } from "svelte";
import { SvelteSet } from "svelte/reactivity";
import type { NotificationAction, NotificationView, RelayToBrowserFrame } from "#protocol";
import { ApiFailure } from "#lib/shared/api.ts";
import { stepUp } from "#lib/shared/step-up.svelte.ts";
import { notificationsApi } from "./api.ts";
import type { Relay } from "#lib/shared/relay.svelte.ts";

/** The in-app channel's defaults, in one place. */
export const NOTIFICATION_DEFAULTS = {
  /** Notifications heard live that the store keeps (toasts read them from here). */
  maxRecent: 50,
  /** How long a high-priority toast stays; urgent ones stay until closed. Hovering or focusing one pauses it. */
  toastMs: 8_000,
  /** How long a toast shows what its button did ("Allowed once: …") before it closes. */
  resultMs: 4_000,
  /** Items per page in the notification center. */
  pageSize: 30,
} as const;

/** What pressing a button came to: `done` it did it; `settled` someone already had (another tab, the prompt). */
export type ActionOutcome = { tone: "done" | "settled"; message: string };

/** Codes that mean the thing was answered or dealt with elsewhere: worth saying, not worth alarming about. */
const SETTLED_CODES = new Set(["conflict", "not_found", "expired"]);

/**
 * The bell's unread count and the notifications heard live in this tab, shared by the shell and every page. Fed by
 * the relay's `notification` and `notifications_changed` frames; the API is the record, read again on every
 * (re)connect because frames sent while this tab was away are not replayed.
 */
export class Notifications {
  unread = $state(0);
  /** True once the count came from the server (before that the bell shows no number). */
  loaded = $state(false);
  /** Heard live since the tab opened, newest first. `read_at` follows changes from any tab. */
  recent = $state<NotificationView[]>([]);
  /** Permission requests answered while this tab was open: their Allow/Deny buttons have nothing left to do. */
  readonly answeredRequests = new SvelteSet<string>();

  readonly #relay: Relay;
  /** Counts frames and answers that set `unread`, so an older answer never overwrites a newer count. */
  #version = 0;

  constructor(relay: Relay) {
    this.#relay = relay;
  }

  /** Loads the count and listens for frames; returns the function that stops (sign-out). */
  start(): () => void {
    void this.refresh();
    const unsubscribe = this.#relay.subscribe((frame) => this.#hear(frame));
    return () => {
      unsubscribe();
      this.#version += 1;
      this.unread = 0;
      this.loaded = false;
      this.recent = [];
      this.answeredRequests.clear();
    };
  }

  /** Reads the unread count from the API (after sign-in, and whenever the relay reconnects). */
  async refresh(): Promise<void> {
    const version = this.#version;
    try {
      const page = await notificationsApi.list({ state: "unread" }, undefined, 1);
      if (version !== this.#version) return;
      this.unread = page.unread;
      this.loaded = true;
    } catch {
      // The bell keeps its last count; the next reconnect asks again.
    }
  }

  /** Marks some notifications read (all unread ones without `ids`); the bell follows at once, other tabs by frame. */
  async markRead(ids?: string[]): Promise<number> {
    const answer = await notificationsApi.markRead(ids);
    this.#setUnread(answer.unread);
    this.#patch(ids ?? this.recent.map((n) => n.id), (n) => ({ ...n, read_at: n.read_at ?? Date.now() }));
    return answer.read;
  }

  /** Dismisses one: it leaves the list and counts as read. */
  async dismiss(id: string): Promise<void> {
    await notificationsApi.dismiss(id);
    const now = Date.now();
    this.#patch([id], (n) => ({ ...n, read_at: n.read_at ?? now, dismissed_at: now }));
  }

  /**
   * Presses a notification's button. Answers what happened in words; a request already answered elsewhere is a
   * `settled` outcome, not an error. Other failures throw an `ApiFailure` whose message says what to do.
   */
  async act(notification: NotificationView, action: NotificationAction["id"]): Promise<ActionOutcome> {
    try {
      // Approving a command with effects may ask for a step-up first (the dialog), then presses again.
      const message = await stepUp.guard(() => notificationsApi.act(notification.id, action));
      this.#patch([notification.id], (n) => ({ ...n, read_at: n.read_at ?? Date.now() }));
      if (notification.source?.type === "permission_request") this.answeredRequests.add(notification.source.id);
      return { tone: "done", message };
    } catch (failure) {
      if (!(failure instanceof ApiFailure && SETTLED_CODES.has(failure.code))) throw failure;
      if (notification.source?.type === "permission_request") this.answeredRequests.add(notification.source.id);
      return { tone: "settled", message: failure.message };
    }
  }

  /** True when the notification's buttons can no longer do anything (its request was answered). */
  settled(notification: NotificationView): boolean {
    return notification.outcome !== null || (notification.source?.type === "permission_request" && this.answeredRequests.has(notification.source.id));
  }

  #hear(frame: RelayToBrowserFrame): void {
    switch (frame.type) {
      case "notification": {
        this.#setUnread(frame.unread);
        const arrived = frame.notification;
        this.recent = [arrived, ...this.recent.filter((n) => n.id !== arrived.id)].slice(0, NOTIFICATION_DEFAULTS.maxRecent);
        break;
      }
      case "notifications_changed": {
        this.#setUnread(frame.unread);
        // Reading, dismissing and acting all mark a notification read on the server; settling also ends its buttons.
        const now = Date.now();
        const { outcome } = frame;
        this.#patch(frame.ids, (n) => ({ ...n, read_at: n.read_at ?? now, ...(outcome === undefined ? {} : { outcome, actions: [] }) }));
        break;
      }
      case "permission_prompt":
        if (frame.request.status !== "pending") this.answeredRequests.add(frame.request.id);
        break;
    }
  }

  #setUnread(count: number): void {
    this.#version += 1;
    this.unread = count;
    this.loaded = true;
  }

  #patch(ids: readonly string[], change: (n: NotificationView) => NotificationView): void {
    const wanted = new Set(ids);
    if (!this.recent.some((n) => wanted.has(n.id))) return;
    this.recent = this.recent.map((n) => (wanted.has(n.id) ? change(n) : n));
  }
}

const KEY = Symbol("notifications");

export function setNotifications(notifications: Notifications): Notifications {
  return setContext(KEY, notifications);
}

export function getNotifications(): Notifications {
  return getContext<Notifications>(KEY);
}
