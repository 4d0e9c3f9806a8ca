import { eq, sql } from "drizzle-orm";
import { openDb, schema } from "../../core/src/db/index.ts";

// Sign-in sessions checked inside the user's relay, so dispatching a command reads nothing from D1 (issue 17).
// D1 `sessions` stays the record; the relay keeps the few facts a check needs for the sessions that used it.
// Every writer that ends a session tells the relay before it answers (worker/src/auth/session.ts:
// sign-out, ending one session, "sign out everywhere" and a password change; account deletion wipes the relay),
// and expiry and the idle timeout are times the relay compares itself, so each takes effect on the next request.
// Whatever the cache does not know for sure (no entry, or an entry that looks expired) is read from D1 again, and
// so is every entry at least once per `RECHECK_MS`: a session ended in D1 without the relay being told (the call
// failed, or a writer that forgot) is refused within that bound, however the relay's memory looks.

/** Sliding the idle timer costs a D1 write, so it moves at most this often (or a tenth of the idle timeout, if shorter). */
export const TOUCH_INTERVAL_MS = 60_000;
/** An entry is trusted this long after D1 last vouched for it (a read, or a touch that matched the row). */
export const RECHECK_MS = TOUCH_INTERVAL_MS;
/** A user has a handful of sessions; past this many cached, the oldest entry goes (it is read again if used). */
const MAX_CACHED = 64;

/** The times a session check compares. */
export type SessionTimes = { expiresAt: number; lastSeenAt: number };

/** Whether a session is past its absolute lifetime or its idle timeout: the one rule, for the worker and the relay. */
export function sessionExpired(times: SessionTimes, now: number, idleMs: number): boolean {
  return now >= times.expiresAt || now >= times.lastSeenAt + idleMs;
}

/** Whether a request that counts as activity should write the session's new `last_seen_at`. */
export function touchDue(times: SessionTimes, now: number, idleMs: number): boolean {
  return now - times.lastSeenAt >= Math.min(TOUCH_INTERVAL_MS, idleMs / 10);
}

/** A cached session: its times, and when D1 last confirmed its row exists. */
export type CachedSession = SessionTimes & { checkedAt: number };

/** What the relay's check answers: the session is live (and was touched if due), or why it is not. */
export type SessionCheck = "ok" | "expired";

export interface SessionHost {
  readonly db: D1Database;
  /** The cache: `RelayMemory.sessions`. */
  readonly cache: Map<string, CachedSession>;
  userId(): string;
  idleMs(): number;
  /** True once the account is deleted: no session of it is live any more. */
  wiped(): boolean;
  keepAlive(work: Promise<unknown>): void;
}

/** The relay's session cache (memory only: a fresh instance reads each session from D1 once). */
export class RelaySessions {
  readonly #host: SessionHost;
  readonly #cache: Map<string, CachedSession>;
  /** Moves on every `ended`: a D1 read that a sign-out overtook is answered, but not cached. */
  #generation = 0;
  readonly #read;
  readonly #touch;
  readonly #delete;

  constructor(host: SessionHost) {
    this.#host = host;
    this.#cache = host.cache;
    const db = openDb(host.db);
    const { sessions } = schema;
    const id = sql.placeholder("id");
    this.#read = db.select({ userId: sessions.userId, expiresAt: sessions.expiresAt, lastSeenAt: sessions.lastSeenAt }).from(sessions).where(eq(sessions.id, id)).prepare();
    this.#touch = db
      .update(sessions)
      .set({ lastSeenAt: sql`max(${sessions.lastSeenAt}, ${sql.placeholder("at")})` })
      .where(eq(sessions.id, id))
      .returning({ id: sessions.id })
      .prepare();
    this.#delete = db.delete(sessions).where(eq(sessions.id, id)).prepare();
  }

  /**
   * Checks the session `id` (the hash of its cookie) of this relay's user; `touch` slides its idle timer, as every
   * request that counts as activity does. The D1 write of a touch runs behind the answer.
   */
  async check(id: string, touch: boolean, now = Date.now()): Promise<SessionCheck> {
    if (this.#host.wiped()) return "expired";
    const idleMs = this.#host.idleMs();
    let times = this.#cache.get(id);
    // Only a live-looking entry D1 vouched for lately is trusted; anything else is D1's to say (another tab may
    // have slid the timer, or the session was ended without the relay hearing of it).
    if (!times || sessionExpired(times, now, idleMs) || now - times.checkedAt >= RECHECK_MS) {
      const generation = this.#generation;
      const row = await this.#read.get({ id });
      if (!row || row.userId !== this.#host.userId()) {
        this.#cache.delete(id);
        return "expired";
      }
      times = { expiresAt: row.expiresAt, lastSeenAt: row.lastSeenAt, checkedAt: now };
      if (sessionExpired(times, now, idleMs)) {
        this.#cache.delete(id);
        await this.#delete.run({ id });
        return "expired";
      }
      if (generation === this.#generation) this.#remember(id, times);
    }
    if (touch && touchDue(times, now, idleMs)) {
      times.lastSeenAt = now;
      const generation = this.#generation;
      const touched = this.#touch.all({ id, at: now }).then(
        (rows) => {
          // No row: the session was ended in D1 meanwhile, so the entry goes and the next request asks D1.
          if (rows.length === 0) this.#cache.delete(id);
          else if (generation === this.#generation && this.#cache.get(id) === times) times.checkedAt = now;
        },
        (error: unknown) => console.error("relay: a session's last_seen_at was not written", error),
      );
      this.#host.keepAlive(touched);
    }
    return "ok";
  }

  /** Sessions were ended in D1 (sign-out, ending one, a password change): each is refused from the next request. `"all"` forgets every one. */
  ended(ids: readonly string[] | "all"): void {
    this.#generation += 1;
    if (ids === "all") this.#cache.clear();
    else for (const id of ids) this.#cache.delete(id);
  }

  #remember(id: string, times: CachedSession): void {
    this.#cache.delete(id);
    this.#cache.set(id, times);
    const oldest = this.#cache.keys().next();
    if (this.#cache.size > MAX_CACHED && !oldest.done) this.#cache.delete(oldest.value);
  }
}
