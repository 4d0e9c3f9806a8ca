import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TestClient } from "../../../../test/client.ts";
import { ingestActivities } from "../../activities/ingest.ts";
import { parseMessage } from "../parser.ts";
import { activitySource } from "./index.ts";
import type { Clock } from "./period.ts";

// The assistant's answers that read the whole money history, on a generated 14 months of it with known answers
// (subscriptions with a price rise and jitter, a yearly bill, a salary that moves with weekends, an unusual month),
// through the parser as a user would ask, against a real D1 and the real recurring-payment detection.

const at = (day: string, hour = 12) => Date.parse(`${day}T${String(hour).padStart(2, "0")}:00:00Z`);
/** Wednesday 14 October 2026, noon UTC. */
const MID_OCTOBER: Clock = { now: at("2026-10-14"), tzOffsetMinutes: null };

let n = 0;
const pay = (day: string, amount: number, merchant: string, category?: string) => ({
  event_id: `h-${++n}`,
  activity_type: "financial",
  timestamp: `${day}T12:00:00Z`,
  application: "Bank statement",
  details: { amount, currency: "EUR", merchant, ...(category ? { category } : {}) },
});

/** A small deterministic generator, so the noise is the same on every run. */
function noise(seed: number): () => number {
  let state = seed;
  return () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
}

const day = (year: number, month: number, date: number) => new Date(Date.UTC(year, month, date)).toISOString().slice(0, 10);
/** Monday to Friday: a salary due on a weekend comes the Friday before. */
const weekday = (iso: string) => {
  const d = new Date(`${iso}T00:00:00Z`);
  const back = d.getUTCDay() === 6 ? 1 : d.getUTCDay() === 0 ? 2 : 0;
  return new Date(d.getTime() - back * 86_400_000).toISOString().slice(0, 10);
};

/** September 2025 to mid-October 2026, as a bank would list it. */
function history(options: { octoberSalary?: string } = {}) {
  const random = noise(7);
  const events = [];
  for (let i = 0; i < 14; i++) {
    const [y, m] = [2025 + Math.floor((8 + i) / 12), (8 + i) % 12];
    const october = y === 2026 && m === 9;
    events.push(pay(day(y, m, 1), -1200, "Hausverwaltung Schmidt", "Housing"));
    // Netflix went from 12.99 to 15.49 in August 2026.
    events.push(pay(day(y, m, 5), y === 2026 && m >= 7 ? -15.49 : -12.99, i % 3 === 0 ? "NETFLIX.COM" : "Netflix.com", "Subscriptions"));
    events.push(pay(day(y, m, 9), -10.99, "Spotify AB", "Subscriptions"));
    if (!october) events.push(pay(day(y, m, 20), -Math.round((24 + random() * 8) * 100) / 100, "Vodafone", "Phone"));
    if (!october || options.octoberSalary) {
      const salaryDay = october ? options.octoberSalary : weekday(day(y, m, 25));
      if (salaryDay) events.push(pay(salaryDay, 2850, "ACME GmbH Gehalt", "Salary"));
    }
    if (!october) events.push(pay(day(y, m, 3), -39.9, "FitX Gym", "Sport"));
    // Groceries most weeks, with jitter; a month in progress has only its first two weeks.
    for (const date of october ? [2, 9] : [2, 9, 16, 23]) events.push(pay(day(y, m, date), -Math.round((60 + random() * 40) * 100) / 100, random() > 0.5 ? "Rewe" : "Lidl", "Groceries"));
  }
  events.push(pay("2025-03-12", -389, "HUK Coburg Versicherung", "Insurance"), pay("2026-03-11", -389, "HUK Coburg Versicherung", "Insurance"));
  // October: a big IKEA trip and a holiday.
  events.push(pay("2026-10-04", -1450, "IKEA Berlin", "Home"), pay("2026-10-08", -900, "Lufthansa", "Travel"));
  return events;
}

async function userWith(events: unknown[]): Promise<string> {
  const client = new TestClient();
  const { email } = await client.register();
  const user = await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first<{ id: string }>();
  if (!user) throw new Error("the registered user is not in D1");
  const result = await ingestActivities(env.DB, user.id, { deviceId: null, source: "api", events });
  expect(result.rejected).toEqual([]);
  return user.id;
}

/** The answer to a sentence, as the chat would give it: parsed, then looked up for the user. */
async function ask(userId: string, sentence: string, clock: Clock): Promise<string> {
  const intent = parseMessage(sentence);
  if (intent.kind !== "activity_query" || !intent.query) throw new Error(`${sentence} was not read as an activity question`);
  return activitySource(env.DB, userId, { tzOffsetMinutes: clock.tzOffsetMinutes, now: () => clock.now }).answer(intent.query);
}

describe("the assistant's money answers", () => {
  it("lists subscriptions and bills with amounts, cadence and next dates, the price rise, and a link", async () => {
    const userId = await userWith(history());
    const answer = await ask(userId, "what subscriptions do I have?", MID_OCTOBER);
    expect(answer).toMatch(/^You have \d+ recurring payments, about \*\*€[\d,.]+\*\* a month:/);
    // Merchant names as the detector labels them (NETFLIX.COM and Netflix.com are one "Netflix").
    expect(answer).toContain("| Netflix | €15.49 | monthly | 2026-11-05 (+19% on 2026-08-05) |");
    expect(answer).toContain("| Spotify | €10.99 | monthly | 2026-11-09 |");
    expect(answer).toContain("| Hausverwaltung Schmidt | €1,200.00 | monthly | 2026-11-01 |");
    expect(answer).toMatch(/\| Huk Coburg \| €389\.00 \| yearly \| 2027-03-\d\d \|/);
    expect(answer).toMatch(/\| Vodafone \| €\d\d\.\d\d \| monthly \| 2026-10-20 \|/);
    // The gym was not paid in October: its payment is overdue.
    expect(answer).toContain("| Fitx Gym | €39.90 | monthly | 2026-10-03 (late) |");
    // Groceries at two shops are not a subscription, and the salary is money in.
    expect(answer).not.toMatch(/Rewe|Lidl|Acme/i);
    expect(answer).toContain("[Subscriptions and bills](/dashboard/subscriptions)");
  });

  it("says whether the salary came: not yet with when it usually comes, yes with its date and amount", async () => {
    const waiting = await userWith(history());
    const notYet = await ask(waiting, "did my salary come this month?", MID_OCTOBER);
    expect(notYet).toMatch(/^Not yet: nothing from \*\*Acme Gehalt\*\* this month \(October 2026\)\. It usually comes around day 2\d of the month \(€2,850\.00\)\. The next is expected on 2026-10-2\d\./);
    const september = await ask(waiting, "did I get paid last month", MID_OCTOBER);
    expect(september).toMatch(/^Yes: your salary from \*\*Acme Gehalt\*\* came last month \(September 2026\): \*\*€2,850\.00\*\* on 2026-09-25\./);

    const paid = await userWith(history({ octoberSalary: "2026-10-23" }));
    const yes = await ask(paid, "has my paycheck arrived yet", { now: at("2026-10-27"), tzOffsetMinutes: 60 });
    expect(yes).toMatch(/^Yes: .* \*\*€2,850\.00\*\* on 2026-10-23\./);

    // Late: the expected day and its grace have passed.
    const late = await ask(waiting, "did my salary come this month", { now: at("2026-10-31"), tzOffsetMinutes: null });
    expect(late).toMatch(/^Not yet: .* It is late: it was expected on 2026-10-2\d\./);
  });

  it("knows a US salary paid twice a month (the 15th and the last business day) among store visits", async () => {
    const random = noise(3);
    const events = [];
    for (let i = 0; i < 13; i++) {
      const [y, m] = [2025 + Math.floor((10 + i) / 12), (10 + i) % 12];
      for (const date of [15, new Date(Date.UTC(y, m + 1, 0)).getUTCDate()]) events.push(pay(weekday(day(y, m, date)), 3412.58, "CONTOSO LTD PAYROLL DIR DEP PPD", "income"));
      // Groceries two to four times a week at three stores, on whatever weekday, for whatever amount.
      for (let date = 1; date <= 28; date += 1 + Math.floor(random() * 3)) {
        events.push(pay(day(y, m, date), -Math.round((14 + random() * 110) * 100) / 100, ["SAFEWAY #1490", "WHOLEFDS SFC 10234", "TRADER JOE S #236"][Math.floor(random() * 3)] ?? "", "groceries"));
      }
    }
    const userId = await userWith(events.filter((e) => e.timestamp <= "2026-12-06T12:00:00Z"));
    // 15 November 2026 is a Sunday: paid Friday the 13th.
    const yes = await ask(userId, "did my salary come this month?", { now: at("2026-11-26", 18), tzOffsetMinutes: -480 });
    expect(yes).toMatch(/^Yes: your salary from \*\*Contoso Payroll\*\* came this month \(November 2026\): \*\*€3,412\.58\*\* on 2026-11-13\./);
    const both = await ask(userId, "did I get paid last month", { now: at("2026-12-06"), tzOffsetMinutes: -480 });
    expect(both).toContain("**€3,412.58** on 2026-11-13 and **€3,412.58** on 2026-11-30");
    const notYet = await ask(userId, "did my salary come this month?", { now: at("2026-12-06"), tzOffsetMinutes: -480 });
    expect(notYet).toMatch(/It usually comes twice a month \(€3,412\.58\)\. The next is expected on 2026-12-15\./);
    const list = await ask(userId, "what subscriptions do I have?", { now: at("2026-12-06"), tzOffsetMinutes: -480 });
    expect(list).not.toMatch(/Safeway|Wholefds|Trader/i);
  });

  it("explains a higher month by the categories above their usual, with amounts and a dashboard link", async () => {
    const userId = await userWith(history());
    const answer = await ask(userId, "why is this month higher?", MID_OCTOBER);
    expect(answer).toMatch(/^You spent \*\*€[\d,.]+\*\* in October 2026 so far, \*\*€[\d,.]+\*\* more than your usual \*\*€[\d,.]+\*\* \(the median of the 6 months before\)\. Most of the difference:/);
    const rows = answer.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| Category") && !line.startsWith("| ---"));
    expect(rows[0]).toBe("| Home | €1,450.00 | €0.00 | +€1,450.00 |");
    expect(rows[1]).toBe("| Travel | €900.00 | €0.00 | +€900.00 |");
    // Groceries are half a month in: below their usual, so not a reason.
    expect(answer).not.toContain("| Groceries");
    const from = Date.parse("2026-10-01T00:00:00Z");
    expect(answer).toContain(`[Open in dashboard](/dashboard?type=financial&from=${from}&to=${Date.parse("2026-11-01T00:00:00Z") - 1}&max_amount=-0.01&group=day)`);

    // September was an ordinary month: the answer says so instead of inventing reasons.
    const ordinary = await ask(userId, "why was my spending higher last month", MID_OCTOBER);
    expect(ordinary).toMatch(/^(September 2026 is not higher than usual|You spent \*\*€[\d,.]+\*\* in September 2026, \*\*€\d{1,2}\.\d\d\*\* more)/);
  });

  it("answers plainly when there is nothing to go on", async () => {
    const userId = await userWith([pay("2026-10-02", -20, "Kiosk")]);
    expect(await ask(userId, "what subscriptions do I have", MID_OCTOBER)).toMatch(/^I found no recurring payments in your history yet/);
    expect(await ask(userId, "did my salary come this month", MID_OCTOBER)).toMatch(/^I can't see a regular income/);
    expect(await ask(userId, "why is this month higher", MID_OCTOBER)).toMatch(/^I have no earlier months to compare October 2026 with/);
  });
});
