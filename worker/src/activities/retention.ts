/**
 * Deletes activity that happened before `before` (epoch ms), for every user, or for one; returns how many rows
 * went. Counted separately in the same transaction: `meta.changes` would also count the search index's writes.
 */
export async function pruneActivities(db: D1Database, before: number, userId?: string): Promise<number> {
  const where = userId === undefined ? "occurred_at < ?1" : "occurred_at < ?1 AND user_id = ?2";
  const bind = (sql: string) => (userId === undefined ? db.prepare(sql).bind(before) : db.prepare(sql).bind(before, userId));
  const [counted] = await db.batch<{ n: number }>([bind(`SELECT count(*) AS n FROM activities WHERE ${where}`), bind(`DELETE FROM activities WHERE ${where}`)]);
  return counted?.results[0]?.n ?? 0;
}
