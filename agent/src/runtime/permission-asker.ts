import { randomUUID } from "node:crypto";
import { fromAgent } from "#protocol";
import type { Decision, Json } from "#protocol";
import type { InboundPermissionUpdate, OutboundPermissionRequest } from "../link/frames.ts";

/** What the user should be asked. `scope` is what the command acts on (its first scope), for the asker's own wording. */
export type PermissionQuestion = { target: string; action: string; context: string; parameters: Record<string, Json>; scope?: string };

/** The user's answer, or why there is none ("cancelled": the program that asked took the question back). */
export type PermissionAnswer = { ok: true; decision: Decision } | { ok: false; reason: "offline" | "timeout" | "cancelled" };

/** The part of the relay link the asker needs. */
export type AskChannel = { ready: () => boolean; sendText: (text: string) => boolean };

/**
 * Asks the user, through the relay, before a local command that needs approval runs. The request is not durable:
 * a local caller is waiting on its socket, so when the server cannot be reached it is told so at once.
 */
export class PermissionAsker {
  readonly #channel: AskChannel;
  readonly #timeoutMs: number;
  readonly #waiting = new Map<string, (answer: PermissionAnswer) => void>();

  constructor(channel: AskChannel, timeoutMs: number) {
    this.#channel = channel;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Sends a `permission_request` and waits for the matching `permission_update`. Aborting `signal` stops the wait
   * ("cancelled") and forgets the request, so an answer that comes later finds no waiter and runs nothing.
   */
  ask(question: PermissionQuestion, signal?: AbortSignal): Promise<PermissionAnswer> {
    if (signal?.aborted) return Promise.resolve({ ok: false, reason: "cancelled" });
    if (!this.#channel.ready()) return Promise.resolve({ ok: false, reason: "offline" });
    const frame: OutboundPermissionRequest = fromAgent("permission_request", `perm-${randomUUID()}`, {
      target: question.target,
      action: question.action,
      context: question.context.slice(0, 2000),
      one_time: true,
      command_id: null,
      parameters: shorten(question.parameters),
    });
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish({ ok: false, reason: "timeout" }), this.#timeoutMs);
      const onAbort = () => finish({ ok: false, reason: "cancelled" });
      const finish = (answer: PermissionAnswer) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#waiting.delete(frame.id);
        resolve(answer);
      };
      this.#waiting.set(frame.id, finish);
      signal?.addEventListener("abort", onAbort, { once: true });
      if (!this.#channel.sendText(JSON.stringify(frame))) finish({ ok: false, reason: "offline" });
    });
  }

  /** Delivers the relay's answer. Returns whether a request was waiting for it. */
  answer(update: InboundPermissionUpdate): boolean {
    const waiting = this.#waiting.get(update.ref);
    waiting?.({ ok: true, decision: update.decision });
    return waiting !== undefined;
  }
}

/** Long strings (a file's new content, say) are cut for the prompt: the user needs the gist, and frames are bounded. */
function shorten(parameters: Record<string, Json>): Record<string, Json> {
  const LIMIT = 2000;
  return Object.fromEntries(
    Object.entries(parameters).map(([key, value]) => [key, typeof value === "string" && value.length > LIMIT ? `${value.slice(0, LIMIT)}… (${value.length - LIMIT} more characters)` : value]),
  );
}
