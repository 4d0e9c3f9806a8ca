import { and, desc, eq, lt, lte, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Cursor } from "#protocol";

type Keyed = { createdAt: SQLiteColumn; id: SQLiteColumn };

/** Rows strictly after `cursor` in newest-first (time, id) order; the time is `created_at` unless given. */
export function olderThan(table: Keyed, cursor: Cursor | undefined, time: SQLiteColumn = table.createdAt): SQL | undefined {
  if (!cursor) return undefined;
  // The plain `time <= at` lets SQLite seek on the time index even when the OR alone would be planned as a
  // multi-index OR and a full sort (seen with a type filter at 1M rows, once the table has statistics).
  return and(lte(time, cursor.at), or(lt(time, cursor.at), and(eq(time, cursor.at), lt(table.id, cursor.id))));
}

/** The order that matches `olderThan`. */
export function newestFirst(table: Keyed, time: SQLiteColumn = table.createdAt): SQL[] {
  return [desc(time), desc(table.id)];
}
