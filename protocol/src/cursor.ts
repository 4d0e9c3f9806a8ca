import { z } from "zod";

/**
 * A keyset cursor over a newest-first list ordered by (time, id): `<time>.<id>`, the time being the list's
 * order column (created_at, or an activity's occurred_at). Several rows may share a millisecond, so the id
 * breaks ties; a page never skips or repeats a row.
 */
export const Cursor = z
  .string()
  .regex(/^\d{1,16}\.[A-Za-z0-9_-]{1,128}$/, "A cursor is the `next_before` value of the previous page.")
  .transform((value) => {
    const dot = value.indexOf(".");
    return { at: Number(value.slice(0, dot)), id: value.slice(dot + 1) };
  });
export type Cursor = z.output<typeof Cursor>;

/** The cursor that continues after the last row of a full page: its time and id. */
export function cursorAfter(at: number, id: string): string {
  return `${at}.${id}`;
}
