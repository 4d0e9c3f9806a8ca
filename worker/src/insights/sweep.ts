import { sql } from "drizzle-orm";
import { openDb } from "../../../core/src/db/index.ts";
import { dayOf, loadHistory } from "../../../core/src/insights/history.ts";
import { seriesFacts, unusualFacts } from "../../../core/src/insights/notices.ts";
import { detectRecurring, GRACE_DAYS } from "../../../core/src/insights/recurring.ts";
import { detectUnusual } from "../../../core/src/insights/unusual.ts";
import { dayNumber } from "../../../core/src/insights/days.ts";
import { storeInsightNotices } from "../../../core/src/insights/notified.ts";
import type { PendingInsight } from "../../../core/src/insights/notified.ts";
import { relayFor } from "../relay/stub.ts";

// The hourly insight sweep (issue 19): for each user with money rows lately, a payment (or income) that did not
// come when expected, and a week or month whose spending is far above the usual. Each is put in the notice outbox
// once (its key claimed in insight_notified in the same batch, its outbox id stable), and the user's relay is told;
// it applies the user's rule, quiet hours and channels. A call that fails loses nothing: the relay's own sweep of
// the outbox picks it up.

/** Users whose money rows reached this recently are swept (others have nothing new to miss). */
const ACTIVE_MS = 45 * 86_400_000;
/** At most this many users a run: the others are the next hours' pages. */
const USERS_PER_RUN = 200;
/** A run stops starting users after this long (wall time), well inside the cron's limits. */
const RUN_BUDGET_MS = 60_000;
/** A missed payment is told only while it is this fresh (days past its expected day). */
const MISSED_FOR_DAYS = 10;
const PER_KIND = 3;

/** What one user's history says now: missed payments and unusual periods (a few of each). */
export async function pendingInsights(d1: D1Database, userId: string, at: number): Promise<PendingInsight[]> {
  const history = await loadHistory(d1, userId, at);
  const today = dayOf(at);
  const missed = detectRecurring(history, today)
    .filter((s) => s.status === "missed" && dayNumber(today) - dayNumber(s.next_day) - GRACE_DAYS[s.cadence] <= MISSED_FOR_DAYS)
    .slice(0, PER_KIND)
    .map((s): PendingInsight => ({ key: `missed:${s.key}:${s.next_day}`, kind: "payment_missed", facts: JSON.stringify(seriesFacts(s)) }));
  // One spike is told once: not for its week and its month, nor for its category and its merchant both.
  const seen = new Set<string>();
  const unusual = [...detectUnusual(history, today, "week"), ...detectUnusual(history, today, "month")]
    .filter((f) => f.kind !== "transaction") // single payments are told as they are stored (the relay)
    .filter((f) => {
      const same = [`${f.kind}:${f.currency}:${f.name}`, `${f.currency}:${f.amount}`];
      if (same.some((k) => seen.has(k))) return false;
      for (const k of same) seen.add(k);
      return true;
    })
    .slice(0, PER_KIND)
    .map((f): PendingInsight => ({ key: `unusual:${f.key}`, kind: "unusual_spending", facts: JSON.stringify(unusualFacts(f)) }));
  return [...missed, ...unusual];
}

/** Puts the user's new insights in the outbox (each key once) and tells their relay. Returns how many were new. */
export async function sweepUser(env: Env, userId: string, at: number): Promise<number> {
  const pending = await pendingInsights(env.DB, userId, at);
  if (pending.length === 0) return 0;
  const notices = await storeInsightNotices(env.DB, userId, pending, at);
  const relay = relayFor(env, userId);
  for (const notice of notices) {
    await relay.noticeStored(notice).catch((error: unknown) => console.error(`insights: telling the relay of ${notice.id} failed; its outbox sweep will`, error));
  }
  return notices.length;
}

/**
 * The hourly cron's insight sweep, bounded and fair: the users with money rows lately, in id order, are split into
 * pages of `perRun`, and each hour takes the next page, so every user is swept once every (users / perRun) hours,
 * none waits longer than that, and a run that stops early (its time budget) leaves the rest of the page to the
 * page's next turn rather than running into the cron's limits.
 */
export async function sweep(env: Env, at: number, perRun = USERS_PER_RUN): Promise<void> {
  const db = openDb(env.DB);
  const active = sql`EXISTS (SELECT 1 FROM activities a WHERE a.user_id = u.id AND a.activity_type = 'financial' AND a.occurred_at >= ${at - ACTIVE_MS})`;
  const counted = await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM users u WHERE ${active}`);
  const pages = Math.max(1, Math.ceil((counted?.n ?? 0) / perRun));
  const page = Math.floor(at / 3_600_000) % pages;
  const users = await db.all<{ id: string }>(sql`SELECT id FROM users u WHERE ${active} ORDER BY id LIMIT ${perRun} OFFSET ${page * perRun}`);
  const started = Date.now();
  for (const [done, { id }] of users.entries()) {
    if (Date.now() - started > RUN_BUDGET_MS) {
      console.warn(`insights: the sweep stopped after ${done} of ${users.length} users (its time budget); the rest come with this page's next turn`);
      return;
    }
    await sweepUser(env, id, at).catch((error: unknown) => console.error(`insights: the sweep of user ${id} failed; the next hour tries again`, error));
  }
}
