import { PRIORITIES } from "#protocol";
import type { Priority } from "#protocol";

/** Sender runs going at once in one relay (kicked by new deliveries, or the alarm's). */
export const MAX_RUNS = 4;
/**
 * A delivery kicked straight away still has the alarm behind it, this much later: if the relay is evicted before
 * the run records it, the alarm sends it then. Later than a run normally takes, so the alarm rarely finds work
 * a run is already doing (and when it does, it skips what is in flight).
 */
export const BACKSTOP_MS = 10_000;

/**
 * The bookkeeping that lets several sender runs overlap without sending a delivery twice (memory only: nothing
 * is in flight in an evicted object, and the first run after a restart starts from D1).
 *
 * What must stay true: a run never sends a delivery another run is sending, nor one whose result another run
 * wrote after this run's query began (that query may have read it as still pending). So each query starts a
 * tick, each recorded result is stamped with the tick after it was written, and a run skips ids in flight or
 * stamped at or after its query's tick. Stamps older than every open query are forgotten.
 */
export class SendBook {
  /** Delivery ids a run has taken and not yet recorded. */
  readonly #inFlight = new Set<string>();
  /** Delivery id → its priority's rank, while its POST is on its way (the order between priorities is about these). */
  readonly #posting = new Map<string, number>();
  /** Waiters for the POSTs of one rank to finish (a lower priority's tier waits for them). */
  readonly #settled = new Map<number, (() => void)[]>();
  readonly #recorded = new Map<string, number>();
  readonly #openQueries = new Set<number>();
  #tick = 0;
  /** Runs going now, and whether one was asked for while MAX_RUNS were going. */
  runs = 0;
  again = false;
  /** Bumped by every enqueue: a run that saw no change since its "what is next" query may clear the wake. */
  enqueues = 0;
  /** The `webhook_wake` time as last written (undefined: not read yet), so an enqueue writes it only when earlier. */
  storedWake: number | null | undefined = undefined;

  /** Starts a query for due deliveries; returns its tick and the ids to leave out of it. */
  beginQuery(): { tick: number; exclude: string[] } {
    const tick = ++this.#tick;
    this.#openQueries.add(tick);
    return { tick, exclude: [...this.#inFlight] };
  }

  /** Ends a query: of what it read, the deliveries this run may take (now marked in flight). */
  take<T extends { id: string; priority: Priority }>(tick: number, rows: T[]): T[] {
    this.#openQueries.delete(tick);
    const taken = rows.filter((row) => !this.#inFlight.has(row.id) && (this.#recorded.get(row.id) ?? -1) < tick);
    for (const row of taken) this.#inFlight.add(row.id);
    const oldest = Math.min(...this.#openQueries);
    for (const [id, stamp] of this.#recorded) if (stamp < oldest) this.#recorded.delete(id);
    return taken;
  }

  /** A delivery's POST is starting: lower priorities in other runs wait for it. */
  posting(id: string, priority: Priority): void {
    this.#posting.set(id, PRIORITIES.indexOf(priority));
  }

  /** A delivery's POST is done (answered or failed). */
  posted(id: string): void {
    const rank = this.#posting.get(id);
    this.#posting.delete(id);
    if (rank === undefined || [...this.#posting.values()].includes(rank)) return;
    for (const wake of this.#settled.get(rank) ?? []) wake();
    this.#settled.delete(rank);
  }

  /** The run's results are written (or could not be: then the next run reads them from D1 again). */
  recorded(ids: string[]): void {
    const stamp = ++this.#tick;
    for (const id of ids) {
      this.#inFlight.delete(id);
      if (this.#openQueries.size > 0) this.#recorded.set(id, stamp);
    }
  }

  /**
   * Resolves once no other run has a POST of a higher priority than `priority` on its way, so each priority's
   * deliveries start before any lower one's, across runs as within one. It waits on POSTs only, never on
   * another run's records, so two runs can never wait on each other.
   */
  async higherSettled(priority: Priority): Promise<void> {
    const rank = PRIORITIES.indexOf(priority);
    for (;;) {
      const higher = [...this.#posting.values()].find((r) => r > rank);
      if (higher === undefined) return;
      await new Promise<void>((resolve) => this.#settled.set(higher, [...(this.#settled.get(higher) ?? []), resolve]));
    }
  }
}
