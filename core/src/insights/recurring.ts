// Recurring payments found in a user's history (issue 19). The seam other parts build on; detection is filled in.

/** One financial row, as detection reads it. `amount` is signed (negative is money out). */
export type Transaction = { id: string; day: string; amount: number; currency: string; merchant: string; category: string | null };

export type Cadence = "weekly" | "monthly" | "yearly";

/** A merchant paid (or paying) a similar amount at a regular interval. */
export type RecurringSeries = {
  /** Stable across runs for the same merchant, currency and direction. */
  key: string;
  merchant: string;
  currency: string;
  cadence: Cadence;
  /** Typical amount, signed; the latest one. */
  typical_amount: number;
  last_amount: number;
  last_day: string;
  next_day: string;
  /** The transactions that make it up, oldest first. */
  transaction_ids: string[];
  direction: "out" | "in";
};

/** The recurring series in a history. `today` is YYYY-MM-DD. */
export function detectRecurring(transactions: readonly Transaction[], today: string): RecurringSeries[] {
  void transactions;
  void today;
  return [];
}
