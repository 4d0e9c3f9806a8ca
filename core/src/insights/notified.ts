import type { OutboxNotice } from "../notifications/outbox.ts";

// Each insight is told once, and is not lost on the way: its key is claimed in `insight_notified` (migration 0024)
// in the same D1 batch that puts its notice in the notice outbox (migration 0021), under an id made from the key.
// The caller then hands the notices to the user's relay; one whose hand-over fails (D1, an evicted relay, a thrown
// send) waits in the outbox for the relay's sweep. A key claimed already (by an earlier store, the sweep, or a race
// with either) stores nothing. Used by the relay (as activity is stored) and the worker's hourly sweep.

/** An insight to tell: its key (what makes it the same insight), its outbox kind, and its facts (JSON). */
export type PendingInsight = { key: string; kind: string; facts: string };

/** Keys longer than this are stored as a prefix and a hash, so a long one still compares equal to itself. */
const KEY_CHARS = 200;

async function sha256Hex(text: string, bytes: number): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].slice(0, bytes).map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The key as stored: itself when short, else its start and a hash of the whole (at most 200 + 41 characters). */
export async function storedKey(key: string): Promise<string> {
  return key.length <= KEY_CHARS ? key : `${key.slice(0, KEY_CHARS)}#${await sha256Hex(key, 20)}`;
}

/** The notice's outbox id: the same for the same user and key, so a notice stored twice is one notification. */
export async function insightOutboxId(userId: string, key: string): Promise<string> {
  return `insight:${await sha256Hex(`${userId}\n${key}`, 20)}`;
}

/**
 * Puts each insight whose key is not yet claimed in the notice outbox and claims its key, both in one D1 batch (a
 * transaction: a key claimed by a batch that ran first stores no notice here). Returns the notices this call stored.
 */
export async function storeInsightNotices(d1: D1Database, userId: string, pending: readonly PendingInsight[], at: number): Promise<OutboxNotice[]> {
  const unique = new Map<string, PendingInsight>();
  for (const insight of pending) {
    const key = await storedKey(insight.key);
    if (!unique.has(key)) unique.set(key, insight);
  }
  if (unique.size === 0) return [];
  const statements: D1PreparedStatement[] = [];
  const notices: OutboxNotice[] = [];
  for (const [key, insight] of unique) {
    const notice = { id: await insightOutboxId(userId, key), kind: insight.kind, facts: insight.facts, createdAt: at };
    notices.push(notice);
    // The notice only when the key is still free, then the claim: in this order, in the same transaction.
    statements.push(
      d1
        .prepare(
          `INSERT INTO notice_outbox (id, user_id, kind, facts, created_at)
           SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM insight_notified WHERE user_id = ?2 AND key = ?6)
           ON CONFLICT DO NOTHING RETURNING id`,
        )
        .bind(notice.id, userId, notice.kind, notice.facts, at, key),
      d1.prepare("INSERT INTO insight_notified (user_id, key, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING").bind(userId, key, at),
    );
  }
  const results = await d1.batch<{ id: string }>(statements);
  const stored = new Set(results.flatMap((result) => result.results.map((row) => row.id)));
  return notices.filter((notice) => stored.has(notice.id));
}
