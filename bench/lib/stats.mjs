// Percentiles and printing.

/** Nearest-rank percentile of an array of numbers (p in 0..100). */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export function summarize(values) {
  return { n: values.length, p50: percentile(values, 50), p90: percentile(values, 90), p99: percentile(values, 99), max: Math.max(...values) };
}

export const ms = (value) => (Number.isFinite(value) ? (value < 1 ? value.toFixed(3) : value < 10 ? value.toFixed(2) : value.toFixed(1)) : "n/a");
export const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : "n/a");
export const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Prints rows as an aligned text table. `rows` is an array of arrays of strings; the first is the header. */
export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? "").length)));
  const line = (r) => r.map((cell, i) => String(cell ?? "").padEnd(widths[i])).join("  ").trimEnd();
  return [line(rows[0]), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

/** Logs a progress line to stderr, so stdout stays the figures. */
export function note(text) {
  process.stderr.write(`  · ${text}\n`);
}

/** Runs `task(i)` for i in 0..count-1 with at most `limit` in flight; resolves when all are done. */
export async function pool(count, limit, task) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  });
  await Promise.all(lanes);
}
