import { openDb, schema } from "../db/index.ts";

// Each insight is told once: its key is claimed in `insight_notified` (migration 0024) before it is told, and a key
// claimed already (by an earlier store, the sweep, or a race with either) is not told again.

const { insightNotified } = schema;

/** Claims `keys` for the user; returns the ones this call claimed (not claimed before). */
export async function claimInsightKeys(d1: D1Database, userId: string, keys: readonly string[], now: number): Promise<Set<string>> {
  const claimed = new Set<string>();
  const unique = [...new Set(keys)];
  // Three bound values a row, and D1 allows 100 a statement.
  for (let i = 0; i < unique.length; i += 30) {
    const rows = await openDb(d1)
      .insert(insightNotified)
      .values(unique.slice(i, i + 30).map((key) => ({ userId, key: key.slice(0, 500), createdAt: now })))
      .onConflictDoNothing()
      .returning({ key: insightNotified.key });
    for (const row of rows) claimed.add(row.key);
  }
  return claimed;
}
