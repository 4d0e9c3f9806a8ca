import { z } from "zod";

/**
 * A keyset cursor over a newest-first list ordered by (created_at, id): `<created_at>.<id>`.
 * Several rows may share a millisecond, so the id breaks ties; a page never skips or repeats a row.
 */
export const Cursor = z
  .string()
  .regex(/^\d{1,16}\.[A-Za-z0-9_-]{1,128}$/, "A cursor is the `next_before` value of the previous page.")
  .transform((value) => {
    const dot = value.indexOf(".");
    return { createdAt: Number(value.slice(0, dot)), id: value.slice(dot + 1) };
  });
export type Cursor = z.output<typeof Cursor>;

/** The cursor that continues after `row`, the last of a full page. */
export function cursorAfter(row: { createdAt: number; id: string }): string {
  return `${row.createdAt}.${row.id}`;
}
