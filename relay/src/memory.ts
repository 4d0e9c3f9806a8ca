import type { CommandView, NotificationPreferences } from "#protocol";
import type { DeviceRecord } from "./devices.ts";
import type { Bucket } from "./flood.ts";
import type { Rule } from "./permission-rules.ts";
import type { Outboxed } from "./d1-sync.ts";
import type { CachedSession } from "./sessions.ts";
import type { Listener } from "./turn-store.ts";
import type { Endpoint } from "./webhook-sender.ts";
import { SendBook } from "./webhook-runs.ts";

// ── MEMORY ONLY: LOST ON HIBERNATION OR EVICTION ──────────────────────────────────────────────────
//
// Everything a `UserRelay` holds outside its SQLite (./storage/schema.ts) and its sockets' attachments
// (`SocketState` in ./sockets.ts) is in this one object, and may vanish whenever the object hibernates or is
// evicted. Each field says where it is rebuilt from, or why losing it is harmless. Nothing else in the relay keeps
// state in a class field; the parts get the fields they use from here.

/** The relay's memory-only state: caches read through from D1, and bookkeeping of work running in this instance. */
export class RelayMemory {
  // ── caches of D1 rows, read again on demand ──

  /**
   * Devices by id (D1 `devices`), so a dispatch reads nothing from D1. Every writer of those rows tells the
   * relay before it answers its caller: the agent's hello and `connectors` frames and `revokeDevice` drop the entry.
   */
  readonly devices = new Map<string, DeviceRecord>();
  /**
   * The user's sign-in sessions that dispatched here, by id (D1 `sessions`: the times a check compares). The
   * worker tells the relay of every session it ends before it answers (`sessionsEnded`), and each entry is read
   * from D1 again at least once a minute, in case it was not told; see ./sessions.ts.
   */
  readonly sessions = new Map<string, CachedSession>();
  /** The user's permission rules (D1 `permissions`); null means "read again". `rulesChanged` and `decide` clear it. */
  rules: Rule[] | null = null;
  /** The user's notification preferences (D1); null means "read again". `notificationPreferencesChanged` clears it. */
  preferences: NotificationPreferences | null = null;
  /** The user's enabled webhook endpoints (D1); null means "read again". `webhooksChanged`, and disabling one, clear it. */
  webhookEndpoints: Endpoint[] | null = null;
  /**
   * The D1 outbox's rows not yet copied (a mirror of storage's `sync_outbox`, loaded from it when the relay
   * starts), and the id up to which rows are copied but not yet deleted (lost: they are copied again, harmlessly).
   */
  readonly outbox: { pending: Outboxed[]; copiedUpTo: number } = { pending: [], copiedUpTo: 0 };

  // ── work running in this instance (none of it can be running in a hibernated object) ──

  /**
   * Device → its row's latest write of what the agent offers (hello, `connectors`), which the next one waits for, so
   * they reach D1 in the order the frames came. A write in flight keeps the object awake.
   */
  readonly deviceWrites = new Map<string, Promise<unknown>>();
  /** Device → the connection whose backlog is being redelivered right now. The loop that set it keeps the object awake. */
  readonly redelivering = new Map<string, string>();
  /** Who waits for a command's next state (an assistant turn waiting for its result, which keeps the object awake). */
  readonly commandWatchers = new Map<string, Set<(command: CommandView) => void>>();
  /** Readers following a turn's events live. A reader's open request keeps the object awake; after eviction it reconnects and replays from SQLite. */
  readonly turnListeners = new Map<string, Set<Listener>>();
  /** Turns being driven here, by id. After an eviction none are: `Turns.recoverInterrupted` ends those stored as running. */
  readonly runningTurns = new Map<string, AbortController>();
  /** Per-socket flood buckets. A socket that is sending is not hibernating, and a bucket that starts full after a wake gives nothing away. */
  readonly floodBuckets = new Map<string, Bucket>();
  /** The webhook sender's runs: what is in flight, so overlapping runs never send a delivery twice (see SendBook). */
  readonly webhookSends = new SendBook();
  /** Outbox notices (D1 `notice_outbox`) being turned into notifications here now; a sweep skips them. */
  readonly noticesInHand = new Set<string>();
  /** Outbox notices the rule dropped, not yet deleted from D1 (the first is being deleted now); lost: swept again. */
  readonly noticesToDrop: string[] = [];
  /** When this instance last swept the notice outbox (null: not yet, so the first notice after a start sweeps). */
  noticesSweptAt: number | null = null;
  /** Set by `wipe`: the storage is gone, so closing sockets' bookkeeping must not touch it. A new instance starts on empty storage. */
  wiped = false;
}
