import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ACTIVITY_TYPES, JOB_STATUSES } from "#protocol";
import type { ActivitySummaryQuery } from "#protocol";
import type { z } from "zod";
import { PASSWORD, TestClient } from "../../../test/client.ts";
import { ingestActivities } from "./ingest.ts";
import type { IngestSource } from "./ingest.ts";
import { deleteAllActivities, pruneActivities } from "./retention.ts";
import { activitySummary, summaryFromGroups } from "./summary.ts";
import type { SummaryGroup } from "./summary.ts";

// The rollups must give the very answer a plain GROUP BY over `activities` gives, under every writer. The oracle
// here shares no SQL with the summary: it reads the user's rows and buckets them in JavaScript (floor to the second,
// shift by the offset, the local date's day, Monday or month), and the rollup tables themselves are checked against
// the rows grouped by UTC day and hour. fast-check prints the seed and path of a failing case; SEED fixes the run.

type Query = z.output<typeof ActivitySummaryQuery>;

const SEED = 1717;
const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Instants near which local days, weeks, months and years turn, before and after 1970. */
const ANCHORS = [
  Date.UTC(1969, 11, 31, 23, 30),
  Date.UTC(1969, 11, 31, 18, 30), // midnight at +330
  Date.UTC(1970, 0, 1),
  Date.UTC(1965, 5, 14, 18, 45),
  Date.UTC(1999, 11, 31, 23, 59, 59, 999),
  Date.UTC(2024, 1, 29, 12),
  Date.UTC(2026, 9, 4, 22),
  Date.UTC(2026, 11, 31, 19, 15),
];
const instant = fc.oneof(
  fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }),
  fc.tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -4 * DAY, max: 4 * DAY })).map(([a, d]) => a + d),
  fc.tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -900, max: 900 }), fc.integer({ min: -1500, max: 1500 })).map(([a, m, ms]) => a + m * 60_000 + ms),
  // Within a second of a turn: before 1970 the second must be floored, not rounded toward zero.
  fc.tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -1500, max: 1500 })).map(([a, ms]) => a + ms),
);

const event = fc.record({
  no: fc.integer({ min: 0, max: 60 }),
  statement: fc.boolean(),
  type: fc.constantFrom(...ACTIVITY_TYPES),
  at: instant,
  cents: fc.integer({ min: -50_000, max: 50_000 }),
  currency: fc.constantFrom("EUR", "USD", "JPY"),
  category: fc.option(fc.constantFrom("groceries", "rent", "", "uncategorised"), { nil: undefined }),
  status: fc.option(fc.constantFrom(...JOB_STATUSES), { nil: undefined }),
});
type EventSpec = typeof event extends fc.Arbitrary<infer T> ? T : never;

const user = fc.integer({ min: 0, max: 2 });
const pick = fc.nat();
const write = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("ingest" as const), user, source: fc.constantFrom<IngestSource>("agent", "api", "manual", "upload"), events: fc.array(event, { minLength: 1, maxLength: 25 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("patch" as const), user, pick, category: fc.option(fc.constantFrom("rent", "travel"), { nil: null }), status: fc.constantFrom(...JOB_STATUSES), which: fc.constantFrom("category", "job_status", "both") }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), user, pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("correct" as const), user, pick, at: instant, cents: fc.integer({ min: -9_999, max: 9_999 }), type: fc.constantFrom(...ACTIVITY_TYPES) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("retention" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("delete-all" as const), user }) },
);
const tz = fc.oneof(fc.integer({ min: -840, max: 840 }), fc.constantFrom(0, -300, 330, 345, -570, 525, 840, -840, 60, -60));
const query = fc.record({
  user,
  group: fc.constantFrom<Query["group"]>("day", "week", "month"),
  tz_offset: tz,
  from: fc.option(instant, { nil: undefined }),
  to: fc.option(instant, { nil: undefined }),
});

/** The ISO event the ingest API takes, from a generated spec. */
function eventOf(spec: EventSpec) {
  const details =
    spec.type === "financial"
      ? { amount: spec.cents / 100, currency: spec.currency, ...(spec.category === undefined ? {} : { category: spec.category }) }
      : spec.type === "job"
        ? { company: "Acme", ...(spec.status === undefined ? {} : { status: spec.status }) }
        : {};
  return { event_id: `${spec.statement ? "csv:" : "e"}${spec.no}`, activity_type: spec.type, timestamp: new Date(spec.at).toISOString(), application: "Test", details };
}

type RawRow = { occurred_at: number; activity_type: string; category: string | null; currency: string | null; job_status: string | null; amount_minor: number | null };

async function rowsOf(userId: string): Promise<RawRow[]> {
  const found = await env.DB.prepare("SELECT occurred_at, activity_type, category, currency, job_status, amount_minor FROM activities WHERE user_id = ?").bind(userId).all<RawRow>();
  return found.results;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The bucket label the summary promises, computed without SQL. */
function bucketOf(ms: number, group: Query["group"], tzOffset: number): string {
  const local = Math.floor(ms / 1000) * 1000 + tzOffset * 60_000;
  if (group === "day") return iso(local).slice(0, 10);
  if (group === "month") return iso(local).slice(0, 7);
  const weekday = (new Date(local).getUTCDay() + 6) % 7; // Monday 0
  return iso(local - weekday * DAY).slice(0, 10);
}

/** A row's rollup key and measures, as the summary defines them (financial: category and currency; job: status). */
function measuresOf(r: RawRow) {
  const money = r.activity_type === "financial";
  const amount = r.amount_minor ?? 0;
  return {
    activity_type: r.activity_type,
    category: money ? (r.category ?? "uncategorised") : "",
    currency: money ? (r.currency ?? "") : "",
    job_status: r.activity_type === "job" ? (r.job_status ?? "applied") : "",
    spent_entries: money && amount < 0 ? 1 : 0,
    spent_minor: money && amount < 0 ? amount : 0,
    income_minor: money && amount > 0 ? amount : 0,
  };
}

/** Rows grouped under `keyOf`, with the key's parts first, sorted by the key as SQLite would (code points). */
function groupRows<K extends Record<string, string | number>>(rows: readonly RawRow[], keyOf: (r: RawRow) => K) {
  type Grouped = K & { activity_type: string; category: string; currency: string; job_status: string; entries: number; spent_entries: number; spent_minor: number; income_minor: number };
  const groups = new Map<string, Grouped>();
  for (const r of rows) {
    const m = measuresOf(r);
    const key = { ...keyOf(r), activity_type: m.activity_type, category: m.category, currency: m.currency, job_status: m.job_status };
    const id = JSON.stringify(Object.values(key));
    const g: Grouped = groups.get(id) ?? { ...key, entries: 0, spent_entries: 0, spent_minor: 0, income_minor: 0 };
    g.entries += 1;
    g.spent_entries += m.spent_entries;
    g.spent_minor += m.spent_minor;
    g.income_minor += m.income_minor;
    groups.set(id, g);
  }
  const order = (a: unknown[], b: unknown[]): number => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return typeof a[i] === "number" ? Number(a[i]) - Number(b[i]) : String(a[i]) < String(b[i]) ? -1 : 1;
    return 0;
  };
  return [...groups.values()].sort((a, b) => order(Object.values(a), Object.values(b)));
}

/** The summary from the raw rows: the oracle. */
async function oracle(userId: string, q: Query) {
  const inRange = (await rowsOf(userId)).filter((r) => (q.from === undefined || r.occurred_at >= q.from) && (q.to === undefined || r.occurred_at <= q.to));
  const groups: SummaryGroup[] = groupRows(inRange, (r) => ({ bucket: bucketOf(r.occurred_at, q.group, q.tz_offset) }));
  return summaryFromGroups(q.group, groups);
}

/** Both rollup tables match the rows grouped by UTC day and hour, for `userId`. */
async function expectRollupsExact(userId: string) {
  const rows = await rowsOf(userId);
  for (const [table, time, ms] of [["activity_rollup_daily", "day", DAY], ["activity_rollup_hourly", "hour", HOUR]] as const) {
    const stored = await env.DB.prepare(
      `SELECT ${time}, activity_type, category, currency, job_status, entries, spent_entries, spent_minor, income_minor FROM ${table} WHERE user_id = ? ORDER BY ${time}, activity_type, category, currency, job_status`,
    ).bind(userId).all();
    expect(stored.results, `${table} for ${userId}`).toEqual(groupRows(rows, (r) => ({ [time]: Math.floor(r.occurred_at / ms) * ms })));
  }
}

describe("the summary from the rollups", () => {
  const clients: TestClient[] = [];
  const ids: string[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      const client = new TestClient();
      await client.register();
      const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
      clients.push(client);
      ids.push(me.user.id);
    }
  });

  /** The id of one of the user's rows, chosen by `n`, or undefined when they have none. */
  async function pickRow(userId: string, n: number): Promise<string | undefined> {
    const all = await env.DB.prepare("SELECT id FROM activities WHERE user_id = ? ORDER BY id").bind(userId).all<{ id: string }>();
    return all.results.length === 0 ? undefined : all.results[n % all.results.length]?.id;
  }

  type Write = typeof write extends fc.Arbitrary<infer T> ? T : never;
  async function apply(w: Write) {
    if (w.op === "retention") {
      // Every row of kind "recorded" (not a statement, not manual) was stored "more than a day ago".
      await pruneActivities(env.DB, Date.now() + 2 * DAY, 1);
      return;
    }
    const userId = ids[w.user] ?? "";
    const client = clients[w.user] ?? new TestClient();
    if (w.op === "ingest") {
      await ingestActivities(env.DB, userId, { deviceId: null, source: w.source, events: w.events.map(eventOf) });
    } else if (w.op === "delete-all") {
      // In chunks of 3, so a delete-all of more rows takes several statements (as a heavy user's does) and stays exact.
      const before = await env.DB.prepare("SELECT count(*) AS n FROM activities WHERE user_id = ?").bind(userId).first<{ n: number }>();
      expect(await deleteAllActivities(env.DB, userId, 3)).toBe(before?.n ?? 0);
    } else {
      const id = await pickRow(userId, w.pick);
      if (id === undefined) return;
      if (w.op === "delete") expect((await client.request("DELETE", `/api/activities/${id}`)).status).toBe(200);
      else if (w.op === "patch") {
        const json = { ...(w.which !== "job_status" ? { category: w.category } : {}), ...(w.which !== "category" ? { job_status: w.status } : {}) };
        expect((await client.request("PATCH", `/api/activities/${id}`, { json })).status).toBe(200);
      } else {
        // A correction by hand (no API writes these columns, the triggers must still follow them).
        await env.DB.prepare("UPDATE activities SET occurred_at = ?, amount_minor = ?, activity_type = ? WHERE id = ?").bind(w.at, w.cents, w.type, id).run();
      }
    }
  }

  it("gives the raw GROUP BY's answer after random writes, for random zones, ranges and buckets", { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(write, { minLength: 1, maxLength: 10 }), fc.array(query, { minLength: 1, maxLength: 6 }), async (writes, queries) => {
        for (const userId of ids) await deleteAllActivities(env.DB, userId);
        for (const w of writes) await apply(w);
        for (const userId of ids) await expectRollupsExact(userId);
        for (const { user: u, ...q } of queries) {
          const userId = ids[u] ?? "";
          expect(await activitySummary(env.DB, userId, q), JSON.stringify(q)).toEqual(await oracle(userId, q));
        }
      }),
      { seed: SEED, numRuns: 100, endOnFailure: true },
    );
  });

  it("stays exact through the demo reset, and leaves nothing behind when the account is deleted", async () => {
    const client = new TestClient();
    await client.register();
    const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
    const userId = me.user.id;
    const events = ANCHORS.map((at, i) => eventOf({ no: i, statement: false, type: i % 2 ? "financial" : "job", at, cents: -1234 * i, currency: "USD", category: undefined, status: undefined }));
    // The demo reset as scripts/demo/sql.mjs writes it: the user's 'demo' rows deleted, then the new ones inserted.
    const reset = async (list: unknown[]) => {
      await env.DB.prepare("DELETE FROM activities WHERE source = 'demo' AND user_id = ?").bind(userId).run();
      await ingestActivities(env.DB, userId, { deviceId: null, source: "demo", events: list });
    };
    await reset(events);
    await reset(events.slice(2));
    await expectRollupsExact(userId);
    const q: Query = { group: "week", tz_offset: 330 };
    const summary = await activitySummary(env.DB, userId, q);
    expect(summary.timeline.reduce((n, t) => n + t.count, 0)).toBe(events.length - 2);
    expect(summary).toEqual(await oracle(userId, q));

    const response = await client.request("DELETE", "/api/account", { json: { current_password: PASSWORD, confirm: "Delete my account" } });
    expect(response.status).toBe(200);
    for (const table of ["activity_rollup_daily", "activity_rollup_hourly"]) {
      expect(await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE user_id = ?`).bind(userId).first("n")).toBe(0);
    }
  });
});
