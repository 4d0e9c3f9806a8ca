import { sql } from "drizzle-orm";
import { openDb } from "../../core/src/db/index.ts";
import { dayOf, loadHistory } from "../../core/src/insights/history.ts";
import { newSeriesNotice, priceChangeNotice, unusualFacts, unusualNotice } from "../../core/src/insights/notices.ts";
import { claimInsightKeys } from "../../core/src/insights/notified.ts";
import { detectRecurring } from "../../core/src/insights/recurring.ts";
import { detectUnusual } from "../../core/src/insights/unusual.ts";
import type { NotificationDraft } from "../../core/src/notifications/store.ts";

// Insights told when activity is stored (issue 19), whichever way it came in (an agent's frame, an API push, a web
// upload: each ends in the relay's activityStored): a series' newest payment at a new price, a series' third payment
// (a new subscription), and a single payment far above the usual at its merchant. Only payments from the last two
// weeks count, so importing years of old statements tells nothing; each insight is told once (its key is claimed).

/** A payment older than this when stored is history, not news. */
export const INSIGHT_RECENT_MS = 14 * 86_400_000;
/** At most this many of each kind per stored batch. */
const PER_KIND = 3;

type Told = { key: string; draft: NotificationDraft };

/** The stored ids that are recent money rows (one query; none means nothing to work out). */
async function recentMoney(d1: D1Database, userId: string, ids: readonly string[], now: number): Promise<Set<string>> {
  const rows = await openDb(d1).all<{ id: string }>(sql`
    SELECT id FROM activities
    WHERE user_id = ${userId} AND id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))
      AND activity_type = 'financial' AND amount_minor IS NOT NULL AND occurred_at >= ${now - INSIGHT_RECENT_MS}`);
  return new Set(rows.map((row) => row.id));
}

/** What the stored rows tell: price changes, new series, unusual single payments (at most a few of each). */
export async function insightsForStored(d1: D1Database, userId: string, ids: readonly string[], now: number): Promise<Told[]> {
  if (ids.length === 0) return [];
  const fresh = await recentMoney(d1, userId, ids, now);
  if (fresh.size === 0) return [];
  const history = await loadHistory(d1, userId, now);
  const today = dayOf(now);
  const prices: Told[] = [];
  const news: Told[] = [];
  for (const series of detectRecurring(history, today)) {
    const last = series.transaction_ids.at(-1);
    if (!last || !fresh.has(last)) continue;
    const change = series.price_changes.at(-1);
    const draft = change?.transaction_id === last ? priceChangeNotice(series) : null;
    if (draft) prices.push({ key: `price:${series.key}:${last}`, draft });
    if (series.transaction_ids.length === 3) news.push({ key: `new:${series.key}`, draft: newSeriesNotice(series) });
  }
  const unusual = detectUnusual(history, today, "month")
    .filter((f) => f.kind === "transaction" && f.transaction_id !== null && fresh.has(f.transaction_id))
    .map((f) => ({ key: `unusual:${f.key}`, draft: unusualNotice(unusualFacts(f)) }));
  return [...prices.slice(0, PER_KIND), ...news.slice(0, PER_KIND), ...unusual.slice(0, PER_KIND)];
}

/** Works out and tells what the stored rows say, each insight once. */
export async function tellInsights(
  d1: D1Database,
  userId: string,
  ids: readonly string[],
  notify: (draft: NotificationDraft) => Promise<unknown>,
  now = Date.now(),
): Promise<void> {
  const told = await insightsForStored(d1, userId, ids, now);
  if (told.length === 0) return;
  const claimed = await claimInsightKeys(d1, userId, told.map((t) => t.key), now);
  for (const { key, draft } of told) if (claimed.has(key)) await notify(draft);
}
