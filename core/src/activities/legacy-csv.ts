import type { ActivityEvent } from "#protocol";

// Statements imported before issue 19 gave CSV rows ids of the form `csv:<preset>:<…>`, which today's fingerprints
// (`csv:<hash>`, `csv:id:<bank id>`) never equal. Ingest (every way in: uploads, the agent's statements folder,
// POST /api/activities) and the upload preview ask this module which new rows are such a stored row again, so an
// overlapping statement read after the upgrade does not double them.

/**
 * An old-scheme id. The range first lets SQLite use the (user_id, event_id) index (its LIKE ignores case, so LIKE
 * alone scans every row of the user); the LIKEs then keep `csv:<preset>:…` and leave out `csv:id:…`.
 */
const OLD_CSV_ID = `a.event_id >= 'csv:' AND a.event_id < 'csv;' AND a.event_id LIKE 'csv:%:%' AND a.event_id NOT LIKE 'csv:id:%'`;

/** Keys per query: one JSON parameter (json_each), well inside D1's statement size. */
const KEYS_PER_QUERY = 500;

/** The day (as stored: noon UTC), cents and description that old rows and new ones both have. */
type Key = [at: number, minor: number, description: string | null];

/** The key of a financial CSV event, or null for other events. */
function keyOf(event: ActivityEvent): Key | null {
  const { amount } = event.details;
  const at = Date.parse(event.timestamp);
  if (!event.event_id.startsWith("csv:") || event.activity_type !== "financial" || typeof amount !== "number" || Number.isNaN(at)) return null;
  // Old rows stored the description column (and copied it to the merchant), so it is the description that compares:
  // a preset that now reads a separate merchant column still finds them.
  return [at, Math.round(amount * 100), event.description ?? null];
}

/**
 * The indexes of `events` that are a transaction already stored under an old-scheme id. Matches are counted: when
 * the user has n old rows of one day, amount and description, the first n such new rows (in the order given) are
 * theirs and the rest are new, so two real identical coffees next to one old one store one more.
 */
export async function storedUnderOldIds(db: D1Database, userId: string, events: readonly ActivityEvent[]): Promise<Set<number>> {
  const matched = new Set<number>();
  const byKey = new Map<string, { key: Key; indexes: number[] }>();
  events.forEach((event, index) => {
    const key = keyOf(event);
    if (!key) return;
    const text = JSON.stringify(key);
    const entry = byKey.get(text);
    if (entry) entry.indexes.push(index);
    else byKey.set(text, { key, indexes: [index] });
  });
  if (byKey.size === 0) return matched;
  // Most users have no old rows at all; one indexed probe settles that.
  const hasOld = await db.prepare(`SELECT 1 AS found FROM activities a WHERE a.user_id = ?1 AND ${OLD_CSV_ID} LIMIT 1`).bind(userId).first<{ found: number }>();
  if (!hasOld) return matched;
  const entries = [...byKey.values()];
  for (let at = 0; at < entries.length; at += KEYS_PER_QUERY) {
    const keys = entries.slice(at, at + KEYS_PER_QUERY).map((entry) => entry.key);
    const { results } = await db
      .prepare(
        `SELECT j.key AS k, (SELECT count(*) FROM activities a WHERE a.user_id = ?1 AND a.occurred_at = j.value ->> 0
           AND a.amount_minor = j.value ->> 1 AND a.description IS (j.value ->> 2) AND ${OLD_CSV_ID}) AS n
         FROM json_each(?2) j`,
      )
      .bind(userId, JSON.stringify(keys))
      .all<{ k: number; n: number }>();
    for (const { k, n } of results) {
      for (const index of entries[at + Number(k)]?.indexes.slice(0, Number(n)) ?? []) matched.add(index);
    }
  }
  return matched;
}
