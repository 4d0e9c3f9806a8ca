import { money } from "#protocol";
import type { ActivityView } from "#protocol";
import type { DashboardFilters, ActivityLookup } from "./lookup.ts";
import type { ResolvedPeriod } from "./period.ts";

// The answer to an activity question, as markdown the chat renders (sanitised): the figures, a short table
// citing the rows behind them, and a link to the same filters on the dashboard. Plain templating over the user's
// own rows; what a row says (a merchant, a description) is escaped, so it can only ever be text in a cell.

/** The dashboard reads these from its URL, in this order (web/src/lib/activity/filters.ts FILTER_KEYS). */
const DASHBOARD_KEYS = ["type", "category", "status", "from", "to", "max_amount", "q"] as const satisfies readonly (keyof DashboardFilters)[];
const CELL_CHARS = 60;

/**
 * The dashboard URL that shows what an answer counted: the same filters, and bars per day for spans up to a month.
 * @example dashboardLink({ type: "job", from: 1790812800000, to: 1793491199999 }, period) // "/dashboard?type=job&from=1790812800000&to=1793491199999&group=day"
 */
export function dashboardLink(filters: DashboardFilters, period: ResolvedPeriod | null): string {
  const params = new URLSearchParams();
  for (const key of DASHBOARD_KEYS) {
    const value = filters[key];
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  // The dashboard groups by week unless told otherwise; a day or a month reads better per day, a few years per month.
  const group = period === null ? null : period.days <= 31 ? "day" : period.days > 92 ? "month" : null;
  if (group) params.set("group", group);
  return `/dashboard${params.size ? `?${params}` : ""}`;
}

/** The markdown answer for a lookup; `tzOffsetMinutes` null means dates were read in UTC, which the answer says. */
export function activityAnswer(found: ActivityLookup, tzOffsetMinutes: number | null): string {
  const when = found.period ? ` ${found.period.label}` : "";
  const blocks = [headline(found, when)];
  if (found.rows.length > 0) blocks.push(table(found, tzOffsetMinutes ?? 0));
  const notes = [`[Open in dashboard](${dashboardLink(found.filters, found.period)})`];
  if (found.period && tzOffsetMinutes === null) notes.push("_Days are counted in UTC._");
  blocks.push(notes.join(" · "));
  return blocks.join("\n\n");
}

function headline(found: ActivityLookup, when: string): string {
  const { ask, matched } = found;
  const topic = found.topic === null ? "" : found.topic.as === "category" ? ` on ${text(found.topic.value)}` : ` matching “${text(found.topic.value)}”`;
  const spent = joinAnd(found.money.filter((m) => m.spent > 0).map((m) => `**${money(m.spent, m.currency)}**`));
  switch (ask.kind) {
    case "spending":
      if (matched === 0) return `I found no purchases${topic}${when || " at all"}: nothing spent.`;
      return `You spent ${spent}${topic}${when || " altogether"}, across ${plural(matched, "purchase")}.`;
    case "purchases": {
      if (matched === 0) return `I found no purchases${topic}${when || " at all"}.`;
      const biggest = ask.order === "amount";
      const all = `In all: ${spent} on ${plural(matched, "purchase")}.`;
      if (biggest && matched > found.rows.length) {
        const top = found.rows.length === 1 ? "biggest purchase" : `${found.rows.length} biggest purchases`;
        return `Your ${top}${topic}${when}, out of ${matched}. ${all}`;
      }
      return `${biggest ? "Your purchases" : `You made ${plural(matched, "purchase")}`}${topic}${when}${biggest ? ", biggest first" : ""}. ${biggest ? all : `${spent} in all.`}`;
    }
    case "applications": {
      const status = ask.status ? ` with the status ${ask.status}` : "";
      if (matched === 0) return `I found no job applications${status}${topic}${when || " at all"}.`;
      const byStatus = found.statuses.length > 1 ? `: ${found.statuses.map((s) => `${s.count} ${s.status}`).join(", ")}` : "";
      return `You have ${plural(matched, "job application")}${status}${topic}${when}${byStatus}.`;
    }
    case "search": {
      const what = ask.type === "financial" ? "transaction" : "activity";
      if (matched === 0) return `I found no ${what === "activity" ? "activity" : "transactions"}${topic}${when}.`;
      const received = joinAnd(found.money.filter((m) => m.received > 0).map((m) => `**${money(m.received, m.currency)}**`));
      const sums = [spent && `${spent} spent`, received && `${received} received`].filter(Boolean).join(", ");
      return `I found ${plural(matched, what, what === "activity" ? "activities" : undefined)}${topic}${when}${sums ? ` (${sums})` : ""}.`;
    }
  }
}

/** The cited rows as a table, and how many more matched than are shown. */
function table(found: ActivityLookup, offset: number): string {
  const jobs = found.ask.kind === "applications" || found.rows.every((row) => row.activity_type === "job");
  const spending = found.ask.kind === "spending" || found.ask.kind === "purchases";
  const header = jobs ? ["Date", "Company", "Role", "Status"] : spending ? ["Date", "What", "Category", "Spent"] : ["Date", "What", "Type", "Amount"];
  const lines = found.rows.map((row) => {
    const date = new Date(row.occurred_at + offset * 60_000).toISOString().slice(0, 10);
    if (jobs) return [date, text(row.company ?? row.description ?? row.application), text(row.role ?? ""), row.job_status ?? ""];
    const what = text(row.merchant ?? row.description ?? row.application);
    if (spending) return [date, what, text(row.category ?? ""), amountOf(row, -1)];
    return [date, what, row.activity_type, amountOf(row, 1)];
  });
  const rows = [header, header.map(() => "---"), ...lines].map((cells) => `| ${cells.join(" | ")} |`);
  const more = found.matched - found.rows.length;
  // For "top N", the rest are not "more" of the answer, only of the period; the headline says how many there are.
  if (more > 0 && !(found.ask.kind === "purchases" && found.ask.order === "amount")) rows.push("", `…and ${more} more.`);
  return rows.join("\n");
}

/** The amount in its currency; `sign` -1 shows money spent as a positive figure. */
function amountOf(row: ActivityView, sign: 1 | -1): string {
  if (row.amount === null || row.currency === null) return "";
  return money(row.amount * sign, row.currency);
}

/** A row's text made safe for a table cell: one line, clipped, with markdown's punctuation escaped. */
export function text(value: string): string {
  const line = value.replace(/\s+/g, " ").trim();
  const clipped = line.length > CELL_CHARS ? `${line.slice(0, CELL_CHARS - 1)}…` : line;
  return clipped.replace(/[\\`*_{}[\]()<>#+!|~]/g, "\\$&");
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const joinAnd = (items: string[]) => (items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`);
