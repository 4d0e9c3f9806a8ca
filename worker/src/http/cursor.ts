import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Cursor } from "#protocol";

type Keyed = { createdAt: SQLiteColumn; id: SQLiteColumn };

/** Rows strictly after `cursor` in newest-first (created_at, id) order. */
export function olderThan(table: Keyed, cursor: Cursor | undefined): SQL | undefined {
  if (!cursor) return undefined;
  return or(lt(table.createdAt, cursor.createdAt), and(eq(table.createdAt, cursor.createdAt), lt(table.id, cursor.id)));
}

/** The order that matches `olderThan`. */
export function newestFirst(table: Keyed): SQL[] {
  return [desc(table.createdAt), desc(table.id)];
}
