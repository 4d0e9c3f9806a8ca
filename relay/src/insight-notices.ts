import { sql } from "drizzle-orm";
import { openDb } from "../../core/src/db/index.ts";
import { dayOf, loadHistory } from "../../core/src/insights/history.ts";
import { newSeriesFacts, priceChangeFacts, unusualFacts } from "../../core/src/insights/notices.ts";
import { storeInsightNotices } from "../../core/src/insights/notified.ts";
import type { PendingInsight } from "../../core/src/insights/notified.ts";
import { detectRecurring } from "../../core/src/insights/recurring.ts";
import { detectUnusual } from "../../core/src/insights/unusual.ts";
import type { OutboxNotice } from "../../core/src/notifications/outbox.ts";

// Insights told when activity is stored (issue 19), whichever way it came in (an agent's frame, an API push, a web
// upload: each ends in the relay's activityStored): a series' newest payment at a new price, a series' third payment
// (a new subscription), and a single payment far above the usual at its merchant. Only payments from the last two
// weeks count, so importing years of old statements tells nothing; each insight is told once (its key is claimed).

/** A payment older than this when stored is history, not news. */
export const INSIGHT_RECENT_MS = 14 * 86_400_000;
/** At most this many of each kind per stored batch. */
const PER_KIND = 3;
/** A user's stored rows are worked out at most this often; rows stored meanwhile wait for one run after it. */
export const INSIGHT_EVERY_MS = 30_000;
/** At most this many waiting ids are kept (the newest): one run reads the whole history anyway. */
const WAITING_MAX = 5_000;
/** The relay's storage keys (its key-value half): when the last run started, and the ids waiting for the next. */
const LAST_RUN = "insights:last_run";
const WAITING = "insights:waiting";

/** The stored ids that are recent money rows (one query; none means nothing to work out). */
async function recentMoney(d1: D1Database, userId: string, ids: readonly string[], now: number): Promise<Set<string>> {
  const rows = await openDb(d1).all<{ id: string }>(sql`
    SELECT id FROM activities
    WHERE user_id = ${userId} AND id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))
      AND activity_type = 'financial' AND amount_minor IS NOT NULL AND occurred_at >= ${now - INSIGHT_RECENT_MS}`);
  return new Set(rows.map((row) => row.id));
}

/** What the stored rows tell: price changes, new series, unusual single payments (at most a few of each). */
export async function insightsForStored(d1: D1Database, userId: string, ids: readonly string[], now: number): Promise<PendingInsight[]> {
  if (ids.length === 0) return [];
  const fresh = await recentMoney(d1, userId, ids, now);
  if (fresh.size === 0) return [];
  const history = await loadHistory(d1, userId, now);
  const today = dayOf(now);
  const prices: PendingInsight[] = [];
  const news: PendingInsight[] = [];
  for (const series of detectRecurring(history, today)) {
    const last = series.transaction_ids.at(-1);
    if (!last || !fresh.has(last)) continue;
    const facts = series.price_changes.at(-1)?.transaction_id === last ? priceChangeFacts(series) : null;
    if (facts) prices.push({ key: `price:${series.key}:${last}`, kind: "subscription_price_change", facts: JSON.stringify(facts) });
    if (series.transaction_ids.length === 3) {
      news.push({ key: `new:${series.key}`, kind: "subscription_new", facts: JSON.stringify(newSeriesFacts(series)) });
    }
  }
  const unusual = detectUnusual(history, today, "month")
    .filter((f) => f.kind === "transaction" && f.transaction_id !== null && fresh.has(f.transaction_id))
    .map((f): PendingInsight => ({ key: `unusual:${f.key}`, kind: "unusual_spending", facts: JSON.stringify(unusualFacts(f)) }));
  return [...prices.slice(0, PER_KIND), ...news.slice(0, PER_KIND), ...unusual.slice(0, PER_KIND)];
}

/**
 * Works out what the stored rows say and tells it, each insight once: the notices and their claimed keys land in
 * D1 in one batch first, then go to `handOver` (the notifier); one that fails there waits in the outbox for its sweep.
 */
export async function tellInsights(
  d1: D1Database,
  userId: string,
  ids: readonly string[],
  handOver: (notice: OutboxNotice) => Promise<unknown>,
  now = Date.now(),
): Promise<void> {
  const pending = await insightsForStored(d1, userId, ids, now);
  if (pending.length === 0) return;
  for (const notice of await storeInsightNotices(d1, userId, pending, now)) {
    await handOver(notice).catch((error: unknown) => console.error(`relay: insight notice ${notice.id} waits in the outbox for its sweep`, error));
  }
}

type RunsHost = {
  d1: D1Database;
  userId: () => string;
  storage: DurableObjectStorage;
  wakeAt: (at: number) => Promise<void>;
  handOver: (notice: OutboxNotice) => Promise<unknown>;
};

/**
 * Coalesces the work per user: the agent and imports store money in many small batches, and each run reads the
 * user's whole history. A batch with recent money is worked out at once when no run started in the last
 * INSIGHT_EVERY_MS; otherwise its ids wait in the relay's storage (kept through hibernation) and the alarm works
 * them out together when that time is up.
 */
export class InsightRuns {
  readonly #host: RunsHost;

  constructor(host: RunsHost) {
    this.#host = host;
  }

  /** New rows are in D1 (these ids). */
  async stored(ids: readonly string[], now = Date.now()): Promise<void> {
    const { d1, userId, storage } = this.#host;
    const fresh = await recentMoney(d1, userId(), ids, now);
    if (fresh.size === 0) return;
    const last = (await storage.get<number>(LAST_RUN)) ?? 0;
    const waiting = (await storage.get<string[]>(WAITING)) ?? [];
    if (now - last >= INSIGHT_EVERY_MS && waiting.length === 0) {
      await storage.put(LAST_RUN, now);
      await tellInsights(d1, userId(), [...fresh], this.#host.handOver, now);
      return;
    }
    await storage.put(WAITING, [...new Set([...waiting, ...fresh])].slice(-WAITING_MAX));
    await this.#host.wakeAt(last + INSIGHT_EVERY_MS);
  }

  /** The alarm: works out the waiting rows once their time is up. */
  async onWake(now: number): Promise<void> {
    const { storage } = this.#host;
    const waiting = (await storage.get<string[]>(WAITING)) ?? [];
    const last = (await storage.get<number>(LAST_RUN)) ?? 0;
    if (waiting.length === 0 || now - last < INSIGHT_EVERY_MS) return;
    await storage.put(LAST_RUN, now);
    await tellInsights(this.#host.d1, this.#host.userId(), waiting, this.#host.handOver, now);
    // Only once told: a run that fails leaves them for the next wake. Ids that came in meanwhile stay.
    const done = new Set(waiting);
    const left = ((await storage.get<string[]>(WAITING)) ?? []).filter((id) => !done.has(id));
    if (left.length === 0) await storage.delete(WAITING);
    else await storage.put(WAITING, left);
  }

  /** When the alarm must wake for waiting rows (null: none wait). */
  async nextWake(): Promise<number | null> {
    const { storage } = this.#host;
    const waiting = (await storage.get<string[]>(WAITING)) ?? [];
    return waiting.length === 0 ? null : ((await storage.get<number>(LAST_RUN)) ?? 0) + INSIGHT_EVERY_MS;
  }
}
