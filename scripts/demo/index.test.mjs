import { readFileSync, readdirSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { ActivityEvent, FinancialDetails, JOB_STATUSES, JobDetails } from "#protocol";
import { detectRecurring } from "../../core/src/insights/recurring.ts";
import { DEMO_ACCOUNT, DEMO_DAYS, demoEvents, demoSql } from "./index.mjs";

const NOW = new Date("2026-11-26T18:30:00Z"); // 10:30 in San Francisco, where the demo person lives
const DAY_MS = 86_400_000;

/** A database with the real migrations applied: the same tables, indexes and search triggers as D1 has. */
function migratedDatabase() {
  const db = new DatabaseSync(":memory:");
  db.exec("PRAGMA foreign_keys = ON");
  const dir = new URL("../../migrations/", import.meta.url);
  for (const name of readdirSync(dir).filter((file) => file.endsWith(".sql")).sort()) db.exec(readFileSync(new URL(name, dir), "utf8"));
  return db;
}

/**
 * Loads the demo as `npm run demo` does, with a fixed password hash (hashing is the worker's own, tested there).
 * @param {DatabaseSync} db
 * @param {Date} now
 */
function load(db, now) {
  db.exec(demoSql({ account: DEMO_ACCOUNT, passwordHash: "pbkdf2-sha256$100000$c2FsdA==$aGFzaA==", events: demoEvents(now), now: now.getTime() }));
}

/**
 * The first column of the first row.
 * @param {DatabaseSync} db
 * @param {string} sql
 * @param {...string} params
 */
const scalar = (db, sql, ...params) => Object.values(db.prepare(sql).get(...params) ?? {})[0];

describe("the demo account's activity", () => {
  const events = demoEvents(NOW);

  it("is the same for the same moment, and later the same day only adds the newest rows", () => {
    expect(demoEvents(new Date(NOW))).toEqual(events);
    const morning = demoEvents(new Date("2026-11-26T15:00:00Z"));
    expect(events.slice(0, morning.length)).toEqual(morning);
  });

  it("is valid activity, every row marked as demo, with unique ids, up to now and no older than DEMO_DAYS", () => {
    for (const event of events) {
      expect(ActivityEvent.safeParse(event).error).toBeUndefined();
      expect(event.tags).toContain("demo");
      expect(event.details.demo).toBe(true);
      const at = Date.parse(event.timestamp);
      expect(at).toBeLessThanOrEqual(NOW.getTime());
      expect(at).toBeGreaterThan(NOW.getTime() - (DEMO_DAYS + 1) * DAY_MS);
    }
    expect(new Set(events.map((event) => event.event_id)).size).toBe(events.length);
    expect(new Set(events.map((event) => event.activity_type))).toEqual(new Set(["financial", "job", "browser", "system"]));
  });

  it("spends and earns like a person: USD, paid twice a month, rent once, a plausible budget", () => {
    const money = events.filter((event) => event.activity_type === "financial").map((event) => FinancialDetails.parse(event.details));
    // Thirteen months of it.
    expect(money.length).toBeGreaterThan(500);
    expect(money.length).toBeLessThan(1200);
    expect(new Set(money.map((m) => m.currency))).toEqual(new Set(["USD"]));
    expect(new Set(money.map((m) => m.category))).toEqual(
      new Set(["income", "rent", "groceries", "dining", "transport", "subscriptions", "shopping", "utilities", "health", "travel", "insurance"]),
    );
    expect(money.filter((m) => m.merchant === "Amazon" && m.amount < 0).length).toBeGreaterThanOrEqual(8);
    expect(new Set(money.filter((m) => m.category === "groceries").map((m) => m.merchant)).size).toBeGreaterThanOrEqual(3);

    // October 2026 lies wholly inside the range.
    const october = events.filter((event) => event.activity_type === "financial" && event.timestamp.startsWith("2026-10"));
    const amounts = october.map((event) => FinancialDetails.parse(event.details));
    expect(amounts.filter((m) => m.category === "income")).toHaveLength(2);
    expect(amounts.filter((m) => m.category === "rent")).toHaveLength(1);
    const spent = -amounts.filter((m) => m.amount < 0).reduce((sum, m) => sum + m.amount, 0);
    expect(spent).toBeGreaterThan(3500);
    expect(spent).toBeLessThan(7500);
    for (const m of amounts) expect(Math.abs(m.amount)).toBeLessThan(4000);
  });

  it("tells the subscriptions story: Netflix dearer two months ago, a yearly insurance, an unusual last ten days", () => {
    const money = events.filter((event) => event.activity_type === "financial");
    const netflix = money.filter((event) => event.details.merchant === "Netflix").map((event) => [event.timestamp.slice(0, 10), event.details.amount]);
    const cutoff = new Date(NOW.getTime() - 62 * 86_400_000).toISOString().slice(0, 10);
    expect(netflix.filter(([day]) => day < cutoff).every(([, amount]) => amount === -15.49)).toBe(true);
    expect(netflix.filter(([day]) => day >= cutoff).map(([, amount]) => amount)).toEqual([-17.99, -17.99]);
    // A yearly payment, seen twice a year apart, so it is found as yearly.
    const insurance = money.filter((event) => event.details.category === "insurance");
    expect(insurance.map((event) => event.details.amount)).toEqual([-1284, -1284]);
    const [first, second] = insurance.map((event) => Date.parse(event.timestamp));
    expect(Math.round(((second ?? 0) - (first ?? 0)) / 86_400_000)).toBeGreaterThanOrEqual(364);
    const recent = new Date(NOW.getTime() - 10 * 86_400_000).toISOString();
    const big = money.filter((event) => event.timestamp >= recent && ["travel", "shopping"].includes(String(event.details.category)) && Number(event.details.amount) < -900);
    expect(big.map((event) => event.details.merchant).sort()).toEqual(["Hawaiian Airlines", "Hilton Hawaiian Village", "IKEA"]);
  });

  it("has 25 job applications on five boards, in every status, with company, role and posting address", () => {
    const jobs = events.filter((event) => event.activity_type === "job").map((event) => ({ event, details: JobDetails.parse(event.details) }));
    expect(jobs).toHaveLength(25);
    expect(new Set(jobs.map((job) => job.details.status))).toEqual(new Set(JOB_STATUSES));
    expect(new Set(jobs.map((job) => job.event.details.board))).toEqual(new Set(["Greenhouse", "Lever", "Workday", "Ashby", "LinkedIn"]));
    for (const { event, details } of jobs) {
      expect(details.company && details.role && details.url).toBeTruthy();
      expect(event.description).toBe(`Applied: ${details.role} at ${details.company} (${event.details.board})`);
    }
  });
});

describe("the demo's recurring payments, as the Subscriptions page and the assistant find them", () => {
  // The rows as detection reads them (core/src/insights/history.ts): the day is the timestamp's own date.
  const transactions = demoEvents(NOW)
    .filter((event) => event.activity_type === "financial")
    .map((event) => {
      const money = FinancialDetails.parse(event.details);
      return { id: event.event_id, day: event.timestamp.slice(0, 10), amount: money.amount, currency: money.currency, merchant: money.merchant ?? "", category: money.category ?? null };
    });
  const series = detectRecurring(transactions, NOW.toISOString().slice(0, 10));
  const byId = new Map(transactions.map((t) => [t.id, t]));

  it("finds the salary as income twice a month, paid this month, next on the month's last business day", () => {
    const income = series.filter((s) => s.direction === "in");
    expect(income.map((s) => `${s.merchant} ${s.cadence} ${s.status}`)).toEqual(["Contoso semimonthly active"]);
    const [salary] = income;
    // November 2026: the 15th is a Sunday, so it came on Friday the 13th; the next is Monday the 30th.
    const november = (salary?.transaction_ids ?? []).map((id) => byId.get(id)?.day).filter((day) => day?.startsWith("2026-11"));
    expect(november).toEqual(["2026-11-13"]);
    expect(salary?.next_day).toBe("2026-11-30");
    expect(salary?.transaction_ids.length).toBeGreaterThanOrEqual(24);
  });

  it("lists no grocery store as a series, and names the bills as people write them", () => {
    expect(series.filter((s) => s.category === "groceries").map((s) => s.merchant)).toEqual([]);
    expect(series.filter((s) => s.status !== "active").map((s) => `${s.merchant} ${s.status}`)).toEqual([]);
    const names = series.map((s) => s.merchant);
    expect(names).toEqual(expect.arrayContaining(["New York Times", "PG&E", "Netflix", "Spotify", "Maple Court"]));
  });
});

describe("the demo SQL", () => {
  it("creates the demo user and stores every event with the typed columns the API would have", () => {
    const db = migratedDatabase();
    load(db, NOW);
    const events = demoEvents(NOW);
    expect(db.prepare("SELECT email, name FROM users").all()).toEqual([{ email: DEMO_ACCOUNT.email, name: DEMO_ACCOUNT.name }]);
    expect(scalar(db, "SELECT count(*) FROM activities WHERE source = 'demo' AND device_id IS NULL")).toBe(events.length);
    const cents = events.filter((event) => event.activity_type === "financial").reduce((sum, event) => sum + Math.round(Number(event.details.amount) * 100), 0);
    expect(scalar(db, "SELECT sum(amount_minor) FROM activities WHERE currency = 'USD'")).toBe(cents);
    expect(scalar(db, "SELECT count(*) FROM activities WHERE activity_type = 'job' AND job_status IS NOT NULL AND company IS NOT NULL AND url IS NOT NULL")).toBe(25);
    // Every application has its history, ending where it stands; interviews are on the calendar, one of them tomorrow.
    expect(scalar(db, "SELECT count(DISTINCT activity_id) FROM job_status_history")).toBe(25);
    expect(scalar(db, `SELECT count(*) FROM activities a WHERE activity_type = 'job'
      AND job_status <> (SELECT to_status FROM job_status_history h WHERE h.activity_id = a.id ORDER BY at DESC LIMIT 1)`)).toBe(0);
    expect(scalar(db, "SELECT to_status FROM job_status_history h JOIN activities a ON a.id = h.activity_id WHERE a.company = 'Litware' ORDER BY at DESC LIMIT 1")).toBe("ghosted");
    expect(scalar(db, "SELECT count(*) FROM job_details WHERE contacts <> '[]' AND notes IS NOT NULL")).toBeGreaterThanOrEqual(5);
    const tomorrow = new Date(NOW.getTime() + DAY_MS).toISOString().slice(0, 10);
    expect(scalar(db, "SELECT count(*) FROM job_interviews WHERE starts_at > ? AND strftime('%Y-%m-%d', (starts_at - 8 * 3600000) / 1000, 'unixepoch') = ?", NOW.getTime(), tomorrow)).toBe(1);
    expect(scalar(db, "SELECT count(*) FROM job_interviews WHERE starts_at > ?", NOW.getTime())).toBeGreaterThanOrEqual(3);
    // The search index filled itself through the triggers.
    expect(scalar(db, "SELECT count(*) FROM activities_fts WHERE activities_fts MATCH 'northwind'")).toBeGreaterThanOrEqual(1);
  });

  it("resets the demo rows when run again, even on a later day, and leaves everything else alone", () => {
    const db = migratedDatabase();
    load(db, NOW);
    const demoUser = scalar(db, "SELECT id FROM users WHERE email = ?", DEMO_ACCOUNT.email);
    db.prepare("INSERT INTO users (id, email, name, password_hash, created_at) VALUES ('someone', 'someone@example.com', NULL, 'x', 0)").run();
    const insert = db.prepare(`INSERT INTO activities (id, user_id, event_id, source, activity_type, timestamp, occurred_at, application, details, created_at, updated_at)
      VALUES (?, ?, ?, 'upload', 'other', '2026-11-20T10:00:00Z', 0, 'Notes', '{}', 0, 0)`);
    insert.run("mine", demoUser, "uploaded-by-the-newcomer");
    insert.run("theirs", "someone", "demo:money:2026-11-20:1"); // the same event_id, another user
    db.prepare("INSERT INTO login_attempts (email, address, at) VALUES (?, 'local', 1)").run(DEMO_ACCOUNT.email);

    const tomorrow = new Date(NOW.getTime() + DAY_MS);
    load(db, tomorrow);
    expect(scalar(db, "SELECT count(*) FROM users WHERE email = ?", DEMO_ACCOUNT.email)).toBe(1);
    expect(scalar(db, "SELECT id FROM users WHERE email = ?", DEMO_ACCOUNT.email)).toBe(demoUser);
    expect(scalar(db, "SELECT count(*) FROM activities WHERE source = 'demo'")).toBe(demoEvents(tomorrow).length);
    expect(db.prepare("SELECT id FROM activities WHERE source <> 'demo' ORDER BY id").all()).toEqual([{ id: "mine" }, { id: "theirs" }]);
    expect(scalar(db, "SELECT count(*) FROM login_attempts")).toBe(0);
    // The jobs' history went with their rows and came back once.
    expect(scalar(db, "SELECT count(DISTINCT activity_id) FROM job_status_history")).toBe(25);
    expect(scalar(db, "SELECT count(*) FROM job_status_history WHERE activity_id NOT IN (SELECT id FROM activities)")).toBe(0);
    expect(scalar(db, "SELECT count(*) FROM activities_fts WHERE activities_fts MATCH 'northwind'")).toBe(
      scalar(db, "SELECT count(*) FROM activities WHERE description LIKE '%Northwind%' OR company = 'Northwind Traders'"),
    );
  });
});
