import { money } from "#protocol";
import type { SeriesView } from "#protocol";

// Words for the Subscriptions page.

export const CADENCE_LABEL: Record<SeriesView["cadence"], string> = {
  weekly: "Weekly",
  biweekly: "Every other week",
  semimonthly: "Twice a month",
  monthly: "Monthly",
  yearly: "Yearly",
};

/** An amount's size with its currency ("€17.99"): the list says in or out by its group. */
export const size = (amount: number, currency: string) => money(Math.abs(amount), currency);

/** A day ("2026-07-15") as the reader's locale writes it, without moving it across time zones. */
export function dayLabel(day: string): string {
  const date = new Date(`${day}T12:00:00Z`);
  return Number.isNaN(date.getTime()) ? day : date.toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
}

/** The badges a series carries: a price change (with its percent), a missed payment, a new one. */
export function badges(series: SeriesView): { text: string; tone: "tone-warning" | "tone-info" | "tone-danger" }[] {
  const out: { text: string; tone: "tone-warning" | "tone-info" | "tone-danger" }[] = [];
  if (series.price_change) out.push({ text: `Price ${series.price_change.percent > 0 ? "+" : "−"}${Math.abs(Math.round(series.price_change.percent))}%`, tone: "tone-warning" });
  if (series.status === "missed") out.push({ text: series.direction === "in" ? "Not received" : "Missed", tone: "tone-danger" });
  if (series.new) out.push({ text: "New", tone: "tone-info" });
  return out;
}
