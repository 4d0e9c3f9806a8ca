import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseMessage } from "../parser.ts";
import { ActivityAsk } from "./ask.ts";
import { resolvePeriod, type Clock } from "./period.ts";

/** What the parser made of a message: the structured activity question, or what it did instead. */
const queryOf = (text: string) => {
  const intent = parseMessage(text);
  return intent.kind === "activity_query" ? intent.query : intent.kind === "command" ? `${intent.command.target}.${intent.command.action}` : intent.kind;
};

const ASKED: [text: string, ask: ActivityAsk][] = [
  // spending
  ["how much did I spend on groceries last month", { kind: "spending", about: "groceries", period: "last_month" }],
  ["How much did I spend on groceries last month?", { kind: "spending", about: "groceries", period: "last_month" }],
  ["what did I spend on eating out this week", { kind: "spending", about: "eating out", period: "this_week" }],
  ["how much have I spent at Amazon this month", { kind: "spending", about: "Amazon", period: "this_month" }],
  ["how much did I spend last month", { kind: "spending", period: "last_month" }],
  ["how much money did I spend in October", { kind: "spending", period: "october" }],
  ["what's my spending on groceries this year", { kind: "spending", about: "groceries", period: "this_year" }],
  ["how much did I spend on groceries in the last 30 days", { kind: "spending", about: "groceries", period: "last_30_days" }],
  ["how much have I ever spent at Amazon", { kind: "spending", about: "Amazon", period: "all_time" }],
  ["hey hearth, how much did I spend on my grocery shopping yesterday?", { kind: "spending", about: "grocery", period: "yesterday" }],
  ["last month how much did I pay for rent", { kind: "spending", about: "rent", period: "last_month" }],
  ["how much did I spend on coffee in March 2025", { kind: "spending", about: "coffee", period: "2025-03" }],
  ["total spending in 2025", { kind: "spending", period: "2025" }],
  // biggest purchases
  ["my biggest purchases this week", { kind: "purchases", order: "amount", period: "this_week" }],
  ["largest purchases last week", { kind: "purchases", order: "amount", period: "last_week" }],
  ["what were my 3 biggest expenses in October 2025", { kind: "purchases", order: "amount", limit: 3, period: "2025-10" }],
  ["show me my top 5 purchases this year", { kind: "purchases", order: "amount", limit: 5, period: "this_year" }],
  ["what was my biggest purchase yesterday", { kind: "purchases", order: "amount", limit: 1, period: "yesterday" }],
  ["most expensive purchases at Amazon in the past month", { kind: "purchases", order: "amount", about: "Amazon", period: "last_30_days" }],
  // job applications
  ["which jobs did I apply to in October", { kind: "applications", period: "october" }],
  ["jobs I applied to last month", { kind: "applications", period: "last_month" }],
  ["my applications in October", { kind: "applications", period: "october" }],
  ["how many jobs have I applied for this year", { kind: "applications", period: "this_year" }],
  ["which companies did I apply to in the past week", { kind: "applications", period: "last_7_days" }],
  ["how many applications did I send last week", { kind: "applications", period: "last_week" }],
  ["show my rejected applications", { kind: "applications", status: "rejected" }],
  ["my interviews this month", { kind: "applications", status: "interview", period: "this_month" }],
  ["show me my job applications at Globex", { kind: "applications", about: "Globex" }],
  // searches
  ["show my Amazon orders", { kind: "purchases", order: "recent", about: "Amazon" }],
  ["list my orders from Amazon last month", { kind: "purchases", order: "recent", about: "Amazon", period: "last_month" }],
  ["what did I buy at Uber Eats yesterday", { kind: "purchases", order: "recent", about: "Uber Eats", period: "yesterday" }],
  ["please show my Netflix payments", { kind: "purchases", order: "recent", about: "Netflix" }],
  ["show my last 3 Amazon orders", { kind: "purchases", order: "recent", about: "Amazon", limit: 3 }],
  ["show me my recent transactions", { kind: "search", type: "financial" }],
  ["search my activity for dentist", { kind: "search", about: "dentist" }],
  ["search my transactions for uber in the last 2 weeks", { kind: "search", type: "financial", about: "uber", period: "last_2_weeks" }],
  // the history as a whole: subscriptions, salary, a month higher than usual
  ["what subscriptions do I have?", { kind: "subscriptions" }],
  ["What are my subscriptions", { kind: "subscriptions" }],
  ["show me my recurring payments", { kind: "subscriptions" }],
  ["list my subscriptions and bills", { kind: "subscriptions" }],
  ["what am I subscribed to", { kind: "subscriptions" }],
  ["did my salary come this month?", { kind: "salary", period: "this_month" }],
  ["has my paycheck arrived yet", { kind: "salary" }],
  ["did I get paid in September", { kind: "salary", period: "september" }],
  ["did my salary come in last month", { kind: "salary", period: "last_month" }],
  ["why is this month higher?", { kind: "why_higher", period: "this_month" }],
  ["Why is my spending so high this month", { kind: "why_higher", period: "this_month" }],
  ["why did I spend more last month than usual", { kind: "why_higher", period: "last_month" }],
  ["why are my expenses up in October", { kind: "why_higher", period: "october" }],
];

/** Phrasings that belong to other rules, and keep them. */
const NOT_ASKED: [text: string, what: string][] = [
  ["list my downloads", "filesystem.list"],
  ["show my downloads", "filesystem.list"],
  ["find my resume", "filesystem.search"],
  ["find my amazon orders", "filesystem.search"],
  ["open applications", "apps.launch"],
  ["show my payments.csv", "filesystem.read"],
  ["read ~/orders/2025.txt", "filesystem.read"],
  ["how much disk space do I have", "system.info"],
  ["where did I put my passport scan", "filesystem.search"],
  ["list my orders folder", "filesystem.list"],
];

describe("activity phrasings", () => {
  it.each(ASKED)("reads %j as a structured question", (text, ask) => {
    expect(queryOf(text)).toEqual(ask);
    expect(ActivityAsk.parse(ask)).toEqual(ask);
  });

  it.each(NOT_ASKED)("leaves %j to its own rule", (text, what) => {
    expect(queryOf(text)).toBe(what);
  });

  it.each(["How much time did I spend on YouTube this week?", "what did I work on yesterday", "which apps did I use most today"])(
    "recognises %j as about activity, without a structured question for it",
    (text) => {
      expect(parseMessage(text)).toEqual({ kind: "activity_query", question: text, query: null });
    },
  );

  it("only ever makes questions the tool's schema accepts", () => {
    const words = [
      "how", "much", "did", "I", "spend", "on", "at", "groceries", "Amazon", "last", "this", "month", "week", "in", "October", "may",
      "my", "biggest", "top", "5", "purchases", "orders", "show", "list", "jobs", "applied", "to", "applications", "rejected", "the",
      "past", "30", "days", "2025", "what", "which", "find", "search", "activity", "for", "transactions", "ever", "?",
      "subscriptions", "salary", "come", "paid", "why", "is", "higher", "more", "get", "recurring", "payments",
    ];
    const sentence = fc.array(fc.constantFrom(...words), { maxLength: 12 }).map((parts) => parts.join(" "));
    fc.assert(
      fc.property(fc.oneof(sentence, fc.string()), (text) => {
        const intent = parseMessage(text);
        if (intent.kind === "activity_query" && intent.query) expect(ActivityAsk.safeParse(intent.query).success).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("resolvePeriod", () => {
  // Wednesday 14 October 2026, noon UTC.
  const utc: Clock = { now: Date.parse("2026-10-14T12:00:00Z"), tzOffsetMinutes: null };
  const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

  it.each([
    ["today", "2026-10-14", "2026-10-15", "today (14 October 2026)"],
    ["yesterday", "2026-10-13", "2026-10-14", "yesterday (13 October 2026)"],
    ["this_week", "2026-10-12", "2026-10-19", "this week (12–18 October 2026)"],
    ["last_week", "2026-10-05", "2026-10-12", "last week (5–11 October 2026)"],
    ["this_month", "2026-10-01", "2026-11-01", "this month (October 2026)"],
    ["last_month", "2026-09-01", "2026-10-01", "last month (September 2026)"],
    ["this_year", "2026-01-01", "2027-01-01", "this year (2026)"],
    ["last_year", "2025-01-01", "2026-01-01", "last year (2025)"],
    ["october", "2026-10-01", "2026-11-01", "in October 2026"],
    ["november", "2025-11-01", "2025-12-01", "in November 2025"],
    ["last_30_days", "2026-09-15", "2026-10-15", "in the last 30 days (15 September – 14 October 2026)"],
    ["last_2_weeks", "2026-10-01", "2026-10-15", "in the last 2 weeks (1–14 October 2026)"],
    ["last_1_months", "2026-09-15", "2026-10-15", "in the last month (15 September – 14 October 2026)"],
    ["2025-02", "2025-02-01", "2025-03-01", "in February 2025"],
    ["2024", "2024-01-01", "2025-01-01", "in 2024"],
  ])("resolves %s to [%s, %s) as %j", (period, from, end, label) => {
    expect(resolvePeriod(period, utc)).toMatchObject({ from: day(from), to: day(end) - 1, label });
  });

  it("counts days from the user's midnight when the time zone is known", () => {
    // 23:30 UTC on the 14th is already 01:30 on the 15th two hours east.
    const east: Clock = { now: Date.parse("2026-10-14T23:30:00Z"), tzOffsetMinutes: 120 };
    expect(resolvePeriod("today", east)).toMatchObject({ from: Date.parse("2026-10-14T22:00:00Z"), to: Date.parse("2026-10-15T22:00:00Z") - 1, label: "today (15 October 2026)" });
    expect(resolvePeriod("last_month", east)).toMatchObject({ from: Date.parse("2026-08-31T22:00:00Z"), label: "last month (September 2026)" });
  });

  it("has no range for all time", () => {
    expect(resolvePeriod("all_time", utc)).toBeNull();
    expect(resolvePeriod(undefined, utc)).toBeNull();
  });
});
