/** An amount in its currency, in the viewer's locale. */
export function money(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}

/** A bucket label ("2026-10-05", "2026-10") as the viewer reads it. */
export function bucketLabel(bucket: string, group: "day" | "week" | "month"): string {
  const [y, m, d] = bucket.split("-").map(Number);
  const date = new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1);
  if (group === "month") return date.toLocaleDateString(undefined, { month: "short", year: "numeric" });
  return date.toLocaleDateString(undefined, { day: "numeric", month: "short" });
}

/** The local-time [start, end] of a bucket, in epoch ms, for filtering to it. */
export function bucketRange(bucket: string, group: "day" | "week" | "month"): { from: number; to: number } {
  const [y, m, d] = bucket.split("-").map(Number);
  const start = new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1);
  const end = new Date(start);
  if (group === "day") end.setDate(end.getDate() + 1);
  else if (group === "week") end.setDate(end.getDate() + 7);
  else end.setMonth(end.getMonth() + 1);
  return { from: start.getTime(), to: end.getTime() - 1 };
}
