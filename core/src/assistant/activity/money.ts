import { and, eq, gte, lt, sql } from "drizzle-orm";
import { money } from "#protocol";
import { openDb, schema } from "../../db/index.ts";
import { dayOf, loadHistory } from "../../insights/history.ts";
import { detectRecurring } from "../../insights/recurring.ts";
import type { RecurringSeries, Transaction } from "../../insights/recurring.ts";
import { median } from "../../insights/days.ts";
import { dashboardLink, text } from "./answer.ts";
import type { HistoryAsk } from "./ask.ts";
import { SPENT_ONLY } from "./lookup.ts";
import { resolvePeriod, type Clock, type ResolvedPeriod } from "./period.ts";

// The answers that read the user's money history as a whole: "what subscriptions do I have?" (the recurring series
// core/src/insights/recurring.ts finds), "did my salary come this month?" (the largest regular income) and "why is
// this month higher?" (each category this month against its median over the months before). Read-only, scoped to
// the one user, in markdown with a link to where the dashboard shows the same.

const { activities } = schema;

const DAY_MS = 86_400_000;
/** The months "usual" is the median of. */
const BASELINE_MONTHS = 6;
/** Categories listed as the reasons a month is higher. */
const TOP_REASONS = 5;

export async function historyAnswer(d1: D1Database, userId: string, ask: HistoryAsk, clock: Clock): Promise<string> {
  switch (ask.kind) {
    case "subscriptions":
      return subscriptionsAnswer(await recurring(d1, userId, clock));
    case "salary": {
      const period = resolvePeriod(ask.period ?? "this_month", clock) ?? resolvePeriod("this_month", clock);
      return salaryAnswer(await recurring(d1, userId, clock), period, clock);
    }
    case "why_higher":
      return whyHigherAnswer(d1, userId, ask, clock);
  }
}

/** The user's local day "YYYY-MM-DD" for an instant. */
const localDay = (at: number, clock: Clock) => new Date(at + (clock.tzOffsetMinutes ?? 0) * 60_000).toISOString().slice(0, 10);

type Found = { series: RecurringSeries[]; byId: Map<string, Transaction>; today: string };

/**
 * The user's money rows as detection reads them, and the series found in them: the same rows and the same "today"
 * as the Subscriptions page (core/src/insights/history.ts), so the assistant and the page agree.
 */
async function recurring(d1: D1Database, userId: string, clock: Clock): Promise<Found> {
  const transactions = await loadHistory(d1, userId, clock.now);
  const today = dayOf(clock.now);
  return { series: detectRecurring(transactions, today), byId: new Map(transactions.map((t) => [t.id, t])), today };
}

const EVERY: Record<RecurringSeries["cadence"], string> = {
  weekly: "weekly",
  biweekly: "every other week",
  semimonthly: "twice a month",
  monthly: "monthly",
  yearly: "yearly",
};
const PER: Record<RecurringSeries["cadence"], number> = { weekly: 52 / 12, biweekly: 26 / 12, semimonthly: 2, monthly: 1, yearly: 1 / 12 };

function subscriptionsAnswer({ series }: Found): string {
  const paying = series.filter((s) => s.direction === "out" && s.status !== "ended").sort((a, b) => a.next_day.localeCompare(b.next_day));
  const link = "[Subscriptions and bills](/dashboard/subscriptions)";
  if (paying.length === 0) return `I found no recurring payments in your history yet: a subscription shows once it has been paid a few times at a regular interval.\n\n${link}`;
  // A month's worth per currency: weekly ones count about 4.3 times, every other week about 2.2, yearly ones a twelfth.
  const monthly = new Map<string, number>();
  for (const s of paying) monthly.set(s.currency, (monthly.get(s.currency) ?? 0) + Math.abs(s.typical_amount) * PER[s.cadence]);
  const perMonth = [...monthly].map(([currency, total]) => `**${money(total, currency)}**`).join(" and ");
  const lines = paying.map((s) => {
    const change = s.price_changes.at(-1);
    const note = s.status === "missed" ? " (late)" : change && change.day >= s.first_day ? ` (${change.percent > 0 ? "+" : ""}${Math.round(change.percent)}% on ${change.day})` : "";
    return [text(s.merchant), money(Math.abs(s.last_amount), s.currency), EVERY[s.cadence], `${s.next_day}${note}`];
  });
  const table = [["What", "Amount", "Every", "Next"], ["---", "---", "---", "---"], ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
  const count = paying.length === 1 ? "1 recurring payment" : `${paying.length} recurring payments`;
  return `You have ${count}, about ${perMonth} a month:\n\n${table}\n\n${link}`;
}

/** The largest regular income: paid monthly or more often in fixed steps (not weekly or yearly) first, then by amount. */
function salarySeries(series: readonly RecurringSeries[]): RecurringSeries | undefined {
  const income = series.filter((s) => s.direction === "in" && s.status !== "ended");
  const rank = (s: RecurringSeries) => (s.cadence === "monthly" || s.cadence === "semimonthly" || s.cadence === "biweekly" ? 1 : 0);
  return income.sort((a, b) => rank(b) - rank(a) || Math.abs(b.typical_amount) - Math.abs(a.typical_amount))[0];
}

function salaryAnswer(found: Found, period: ResolvedPeriod | null, clock: Clock): string {
  const salary = salarySeries(found.series);
  if (!salary || !period) return "I can't see a regular income in your history yet: a salary shows once it has come in a few months running.";
  const [from, to] = [localDay(period.from, clock), localDay(period.to, clock)];
  const paid = salary.transaction_ids.flatMap((id) => found.byId.get(id) ?? []).filter((t) => t.day >= from && t.day <= to);
  const who = `**${text(salary.merchant)}**`;
  const usual = money(salary.typical_amount, salary.currency);
  const link = `[Subscriptions and bills](/dashboard/subscriptions)`;
  if (paid.length > 0) {
    const list = paid.map((t) => `**${money(t.amount, t.currency)}** on ${t.day}`).join(" and ");
    return `Yes: your salary from ${who} came ${period.label}: ${list}.\n\n${link}`;
  }
  const day = Number(salary.last_day.slice(8, 10));
  const usually = salary.cadence === "monthly" ? `around day ${day} of the month` : EVERY[salary.cadence];
  if (to >= found.today && from <= found.today) {
    const late = salary.next_day < found.today ? ` It is late: it was expected on ${salary.next_day}.` : ` The next is expected on ${salary.next_day}.`;
    return `Not yet: nothing from ${who} ${period.label}. It usually comes ${usually} (${usual}).${late}\n\n${link}`;
  }
  return `No: I found no payment from ${who} ${period.label}. It usually comes ${usually} (${usual}).\n\n${link}`;
}

/** Local midnight of a month's first day (month may run over: 12 is next January). */
const monthStart = (year: number, month: number, clock: Clock) => Date.UTC(year, month, 1) - (clock.tzOffsetMinutes ?? 0) * 60_000;

async function whyHigherAnswer(d1: D1Database, userId: string, ask: HistoryAsk, clock: Clock): Promise<string> {
  // The month asked about: the one the period starts in (this month when none is named).
  const period = resolvePeriod(ask.period ?? "this_month", clock) ?? resolvePeriod("this_month", clock);
  if (!period) return "";
  const local = new Date(period.from + (clock.tzOffsetMinutes ?? 0) * 60_000);
  const [y, m] = [local.getUTCFullYear(), local.getUTCMonth()];
  const [from, end, since] = [monthStart(y, m, clock), monthStart(y, m + 1, clock), monthStart(y, m - BASELINE_MONTHS, clock)];
  const month = sql<string>`strftime('%Y-%m', (${activities.occurredAt} + ${(clock.tzOffsetMinutes ?? 0) * 60_000}) / 1000, 'unixepoch')`;
  const category = sql<string>`coalesce(${activities.category}, 'Uncategorised')`;
  const rows = await openDb(d1)
    .select({ month, category, currency: activities.currency, spent: sql<number>`-sum(${activities.amountMinor})` })
    .from(activities)
    .where(and(eq(activities.userId, userId), eq(activities.activityType, "financial"), lt(activities.amountMinor, 0), gte(activities.occurredAt, since), lt(activities.occurredAt, end)))
    .groupBy(month, category, activities.currency)
    .all();
  const target = `${y}-${String(m + 1).padStart(2, "0")}`;
  const label = `${local.toLocaleString("en", { month: "long", timeZone: "UTC" })} ${y}`;
  const link = `[Open in dashboard](${dashboardLink({ type: "financial", from, to: end - 1, max_amount: SPENT_ONLY }, { ...period, days: Math.round((end - from) / DAY_MS) })})`;
  // One currency: the one most spent in that month (a second currency is rarely comparable).
  const spentIn = new Map<string, number>();
  for (const row of rows) if (row.month === target && row.currency) spentIn.set(row.currency, (spentIn.get(row.currency) ?? 0) + row.spent);
  const currency = [...spentIn].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (!currency) return `I found no spending in ${label}.\n\n${link}`;
  const mine = rows.filter((row) => row.currency === currency);
  const before = [...new Set(mine.filter((row) => row.month < target).map((row) => row.month))].sort();
  if (before.length === 0) return `I have no earlier months to compare ${label} with: your history starts there.\n\n${link}`;
  const spent = (monthKey: string, category?: string) => mine.filter((r) => r.month === monthKey && (category === undefined || r.category === category)).reduce((sum, r) => sum + r.spent, 0) / 100;
  const now = spent(target);
  const usual = median(before.map((key) => spent(key)));
  // Each category against its own median over the same months (a month without it counts as nothing spent).
  const reasons = [...new Set(mine.map((row) => row.category))]
    .map((name) => ({ category: name, now: spent(target, name), usual: median(before.map((key) => spent(key, name))) }))
    .map((r) => ({ ...r, more: r.now - r.usual }))
    .filter((r) => r.more > 0.005)
    .sort((a, b) => b.more - a.more)
    .slice(0, TOP_REASONS);
  const inProgress = clock.now < end && clock.now >= from ? " so far" : "";
  const months = before.length === 1 ? "the month before" : `the ${before.length} months before`;
  const headline =
    now > usual
      ? `You spent **${money(now, currency)}** in ${label}${inProgress}, **${money(now - usual, currency)}** more than your usual **${money(usual, currency)}** (the median of ${months}).`
      : `${label} is not higher than usual: **${money(now, currency)}**${inProgress} against a usual **${money(usual, currency)}** (the median of ${months}).`;
  if (reasons.length === 0) return `${headline}\n\n${link}`;
  const lines = reasons.map((r) => [text(r.category), money(r.now, currency), money(r.usual, currency), `+${money(r.more, currency)}`]);
  const table = [["Category", label, "Usual", "More"], ["---", "---", "---", "---"], ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
  return `${headline} ${now > usual ? "Most of the difference:" : "Above their usual:"}\n\n${table}\n\n${link}`;
}
