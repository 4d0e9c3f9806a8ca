import { MAX_FRAME_BYTES } from "#protocol";
import type { ConnectionRole } from "./sockets.ts";

/** A token bucket's size and how fast it refills. */
type Rate = { burst: number; perSecond: number };

/**
 * What one socket may send: frames up to `maxFrame` bytes (a larger one is refused unread), and token buckets of
 * frames and bytes (a string counts its length, never more than its UTF-8 size, so nothing is encoded to measure
 * it). A browser sends typing and page frames, a few a second and small; an agent sends results and activity
 * batches, up to the protocol's frame limit each, fast after a reconnect. Past either bucket the socket is
 * closed: on the dev server all users share one thread, so a flood cannot be let keep it busy.
 */
export const SOCKET_BUDGETS: Record<ConnectionRole, { maxFrame: number; frames: Rate; bytes: Rate }> = {
  browser: { maxFrame: 64 * 1024, frames: { burst: 100, perSecond: 20 }, bytes: { burst: 2 * MAX_FRAME_BYTES, perSecond: 256 * 1024 } },
  agent: { maxFrame: MAX_FRAME_BYTES, frames: { burst: 600, perSecond: 200 }, bytes: { burst: 8 * MAX_FRAME_BYTES, perSecond: 2 * MAX_FRAME_BYTES } },
};

export type Bucket = { frames: number; bytes: number; at: number; shed: boolean };

/** "admit": handle the frame; "shed": close the socket now; "ignore": it was shed already, drop the frame unread. */
export type Admission = "admit" | "shed" | "ignore";

/** Per-socket token buckets, kept in memory only (the relay's live in `RelayMemory.floodBuckets`). */
export class FloodGuard {
  readonly #buckets: Map<string, Bucket>;

  constructor(buckets = new Map<string, Bucket>()) {
    this.#buckets = buckets;
  }

  /** Charges one frame of `size` to the socket, before anything reads it. */
  admit(socketId: string, role: ConnectionRole, size: number, now: number): Admission {
    const budget = SOCKET_BUDGETS[role];
    const last = this.#buckets.get(socketId) ?? { frames: budget.frames.burst, bytes: budget.bytes.burst, at: now, shed: false };
    if (last.shed) return "ignore";
    const seconds = Math.max(0, now - last.at) / 1000;
    const bucket: Bucket = {
      frames: Math.min(budget.frames.burst, last.frames + seconds * budget.frames.perSecond) - 1,
      bytes: Math.min(budget.bytes.burst, last.bytes + seconds * budget.bytes.perSecond) - size,
      at: now,
      shed: false,
    };
    bucket.shed = bucket.frames < 0 || bucket.bytes < 0;
    this.#buckets.set(socketId, bucket);
    return bucket.shed ? "shed" : "admit";
  }

  /** Forgets a closed socket. */
  forget(socketId: string): void {
    this.#buckets.delete(socketId);
  }
}
