import { createHash } from "node:crypto";

// The event id of a CSV row. Banks' CSV exports mostly carry no transaction id, and the same transaction must get
// the same id however the file was read (a preset, the user's profile, another encoding or delimiter), so an
// overlapping statement stores only what is new. So the id is made of what the row says, normalised: its date,
// its amount in cents, its description (trimmed, case-folded, spaces collapsed), and, to tell apart two identical
// payments on one day, its place among the file's identical rows (the second coffee of the day is the second however
// the file is cut). The running balance is left out: one layout maps it and another does not, and both must give
// the row one id. A profile's account is part of it: the same rows in two accounts are two transactions.

/** A description as the fingerprint sees it: trimmed, case-folded, with runs of spaces as one. */
export function normaliseDescription(text: string): string {
  return text.normalize("NFC").trim().toLowerCase().replace(/\s+/g, " ");
}

const cents = (amount: number) => String(Math.round(amount * 100));

const hash = (parts: readonly string[]) => createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 24);

/** What identifies one row among the file's rows, before its position among identical ones is known. */
export function rowKey(row: { date: string; amount: number; description: string }): string {
  return [row.date, cents(row.amount), normaliseDescription(row.description)].join("\u0000");
}

/**
 * A CSV row's event id: `csv:` and a hash of its key and position among identical rows (and the account, when the
 * profile names one). With the bank's own transaction id: `csv:id:[<account>:]<id>`, and `:<n>` for the n-th repeat
 * of an id within one file.
 */
export function csvEventId(row: { key: string; position: number; account?: string | undefined; bankId?: string | undefined }): string {
  const account = row.account ?? "";
  if (row.bankId) return `csv:id:${account ? `${account}:` : ""}${row.bankId}${row.position > 0 ? `:${row.position}` : ""}`.slice(0, 200);
  return `csv:${hash([row.key, String(row.position), account])}`;
}
