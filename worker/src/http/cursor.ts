import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Cursor } from "#protocol";

type Keyed = { createdAt: SQLiteColumn; id: SQLiteColumn };

/** Rows strictly after `cursor` in newest-first (time, id) order; the time is `created_at` unless given. */
export function olderThan(table: Keyed, cursor: Cursor | undefined, time: SQLiteColumn = table.createdAt): SQL | undefined {
  if (!cursor) return undefined;
  return or(lt(time, cursor.at), and(eq(time, cursor.at), lt(table.id, cursor.id)));
}

/** The order that matches `olderThan`. */
export function newestFirst(table: Keyed, time: SQLiteColumn = table.createdAt): SQL[] {
  return [desc(time), desc(table.id)];
}
