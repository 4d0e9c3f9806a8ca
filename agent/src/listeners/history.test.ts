import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { beforeEach, describe, expect, it } from "vitest";
import { ActivityEvent } from "#protocol";
import { chromiumHistory, fingerprint, firefoxPlaces } from "../../test/browser-history.ts";
import type { TestHistory, TestVisit } from "../../test/browser-history.ts";
import { tempDir } from "../../test/temp.ts";
import { fixturesDir } from "../../../core/src/importers/fixtures.ts";
import { silentLogger } from "../log.ts";
import { openStateDb } from "../store/db.ts";
import { HistoryListener } from "./history.ts";
import type { HistoryProfile } from "./history-profiles.ts";

const DAY = 24 * 60 * 60_000;
/** "Now" for these tests: the listener looks back a year from it on a profile's first read. */
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const LEVER = "https://jobs.lever.co/netflix/0f5c2d4e-8b1a-4c3d-9e2f-7a6b5c4d3e2f";

/** A realistic morning: searching, reading a job, applying on Lever and Greenhouse, and an application from two years ago. */
const MORNING: TestVisit[] = [
  { url: "https://www.google.com/search?q=senior+data+engineer+jobs", title: "senior data engineer jobs - Google Search", at: Date.UTC(2026, 10, 20, 9, 0, 0) },
  { url: `${LEVER}`, title: "Netflix - Senior Data Engineer", at: Date.UTC(2026, 10, 20, 9, 5, 0) },
  { url: `${LEVER}/apply?lever-source=LinkedIn`, title: "Netflix - Senior Data Engineer", at: Date.UTC(2026, 10, 20, 9, 6, 0) },
  { url: `${LEVER}/thanks`, title: "Thank you for applying", at: Date.UTC(2026, 10, 20, 9, 30, 0, 123), micros: 456 },
  { url: "https://boards.greenhouse.io/acmecorp/jobs/4012345006", title: "Job Application for Staff Engineer at Acme Corp", at: Date.UTC(2026, 10, 20, 10, 0, 0) },
  {
    url: "https://boards.greenhouse.io/acmecorp/jobs/4012345006/confirmation#app",
    title: "Job Application for Staff Engineer at Acme Corp",
    at: Date.UTC(2026, 10, 20, 10, 15, 42, 7),
    micros: 999,
  },
  { url: "https://boards.greenhouse.io/oldco/jobs/1/confirmation", title: "Job Application for Intern at OldCo", at: Date.UTC(2024, 10, 1) },
];

let dir: string;
let recorded: ActivityEvent[][];
let warnings: string[];

beforeEach(async () => {
  dir = await tempDir("hearth-history-");
  recorded = [];
  warnings = [];
});

function listener(profiles: HistoryProfile[], now = NOW, lookbackMs = 365 * DAY) {
  const stateDb = openStateDb(join(dir, "state.db"));
  const temp = join(dir, "tmp");
  mkdirSync(temp, { recursive: true });
  const history = new HistoryListener({
    profiles: () => profiles,
    db: stateDb,
    log: { ...silentLogger, warn: (_event: string, message: string) => void warnings.push(message) },
    record: (events) => recorded.push(events),
    intervalMs: 60_000,
    lookbackMs,
    now: () => now,
    tempDir: temp,
  });
  return { history, stateDb, temp };
}

/** Scans once and checks the live file was left exactly as it was, and no copy was left behind. */
function scanUntouched(history: HistoryListener, live: TestHistory, temp: string): ActivityEvent[] {
  const before = fingerprint(live.path);
  const count = recorded.length;
  history.scan();
  expect(fingerprint(live.path)).toBe(before);
  expect(readdirSync(temp)).toEqual([]);
  return recorded.slice(count).flat();
}

function expectMorning(events: ActivityEvent[], application: string) {
  for (const event of events) expect(ActivityEvent.safeParse(event).success).toBe(true);
  expect(events).toHaveLength(2);
  const [lever, greenhouse] = events;
  expect(lever).toMatchObject({
    activity_type: "job",
    application,
    timestamp: "2026-11-20T09:30:00.123Z",
    details: { company: "Netflix", role: "Senior Data Engineer", status: "applied", url: `${LEVER}/thanks`, ats: "Lever", evidence: "confirmation" },
  });
  expect(greenhouse).toMatchObject({
    application,
    timestamp: "2026-11-20T10:15:42.007Z",
    description: "Applied for Staff Engineer at Acme Corp (Greenhouse, from " + application + " history)",
    details: { company: "Acme Corp", role: "Staff Engineer", status: "applied", url: "https://boards.greenhouse.io/acmecorp/jobs/4012345006/confirmation" },
  });
  expect(lever?.event_id).toMatch(/^history:[0-9a-f]{40}$/);
}

describe("the history listener on Chromium's History", () => {
  for (const schema of ["chromium_history_v22.sql", "chromium_history_v40.sql", "chromium_history_v70.sql"]) {
    it(`${schema}: finds the applications, once, and never changes the live file`, () => {
      const live = chromiumHistory(join(dir, "History"), schema, MORNING);
      const { history, stateDb, temp } = listener([{ application: "Chrome", profile: "Default", path: live.path }]);
      const first = scanUntouched(history, live, temp);
      expectMorning(first, "Chrome");

      expect(scanUntouched(history, live, temp)).toEqual([]); // nothing new
      expect(Number(stateDb.prepare("SELECT visited_until FROM history_cursors").get()?.visited_until)).toBe(Date.UTC(2026, 10, 20, 10, 15, 42, 7) * 1000 + 999);

      // A later application is found; a reload of an old thank-you page is read, but keeps its event id.
      live.add([
        { url: "https://jobs.ashbyhq.com/Linear/5b1e6e0f-3c2a-4f7e-8d9c-1a2b3c4d5e6f/application", title: "Product Engineer @ Linear", at: Date.UTC(2026, 10, 21, 8) },
        { url: `${LEVER}/thanks`, title: "Thank you for applying", at: Date.UTC(2026, 10, 21, 9) },
      ]);
      const later = scanUntouched(history, live, temp);
      expect(later.map((e) => e.details.company)).toEqual(["Linear", "Netflix"]);
      expect(later[1]?.event_id).toBe(first[0]?.event_id);
      live.db.close();
    });
  }

  it("reads the newest visits of an open database (Chrome running)", () => {
    const live = chromiumHistory(join(dir, "History"), "chromium_history_v70.sql", []);
    live.db.exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;");
    live.add(MORNING);
    const { history, temp } = listener([{ application: "Chromium", profile: "Default", path: live.path }]);
    expectMorning(scanUntouched(history, live, temp), "Chromium");
    live.db.close();
  });
});

describe("the history listener on Firefox's places.sqlite", () => {
  for (const schema of ["firefox_places_schema_gecko_current.sql", "firefox_places_schema_gecko_legacy_fx4.sql", "evomaster_MozillaPlaces_legacy.sql"]) {
    it(`${schema}: finds the applications, including those only in the write-ahead log`, () => {
      const live = firefoxPlaces(join(dir, "places.sqlite"), schema, MORNING, { wal: true });
      const { history, temp } = listener([{ application: "Firefox", profile: "abcd1234.default-release", path: live.path }]);
      expectMorning(scanUntouched(history, live, temp), "Firefox");
      expect(scanUntouched(history, live, temp)).toEqual([]);
      live.add([{ url: "https://careers-initech.icims.com/jobs/12345/senior-accountant/candidate?eem=me%40example.com", at: Date.UTC(2026, 10, 22) }]);
      const [icims] = scanUntouched(history, live, temp);
      // The query (here the applicant's e-mail) never leaves the computer.
      expect(icims?.details).toMatchObject({ company: "Initech", role: "Senior Accountant", url: "https://careers-initech.icims.com/jobs/12345/senior-accountant/candidate" });
      live.db.close();
    });
  }

  it("reads a real Firefox profile's places.sqlite (browserhistory's R fixture), which holds no applications", () => {
    const path = join(dir, "places.sqlite");
    copyFileSync(join(fixturesDir(), "history", "browserhistory_R_places_subset.sqlite"), path);
    // The fixture's visits are from 2024-05-24.
    const { history, stateDb, temp } = listener([{ application: "Firefox", profile: "test_profile", path }], Date.UTC(2024, 4, 25));
    const live = firefoxPlaces(path, null);
    expect(scanUntouched(history, live, temp)).toEqual([]);
    expect(warnings).toEqual([]);
    const newest = Number(live.db.prepare("SELECT MAX(visit_date) AS at FROM moz_historyvisits").get()?.at);
    expect(Number(stateDb.prepare("SELECT visited_until FROM history_cursors").get()?.visited_until)).toBe(newest);

    live.add([{ url: `${LEVER}/thanks`, title: "Netflix - Senior Data Engineer", at: Math.floor(newest / 1000) + 60_000 }]);
    expect(scanUntouched(history, live, temp).map((e) => e.details.company)).toEqual(["Netflix"]);
    live.db.close();
  });
});

describe("what the listener refuses", () => {
  it("skips a missing, a corrupt and a non-history file with one log line each, and reads the others", () => {
    const good = chromiumHistory(join(dir, "History"), "chromium_history_v70.sql", MORNING);
    const corrupt = join(dir, "Corrupt", "History");
    mkdirSync(join(dir, "Corrupt"));
    writeFileSync(corrupt, "SQLite format 3\0 but not really a database at all, just bytes");
    const other = join(dir, "other.sqlite");
    new DatabaseSync(other).exec("CREATE TABLE notes (text TEXT)");
    const { history } = listener([
      { application: "Chrome", profile: "Gone", path: join(dir, "Gone", "History") },
      { application: "Chrome", profile: "Corrupt", path: corrupt },
      { application: "Chrome", profile: "Other", path: other },
      { application: "Chrome", profile: "Default", path: good.path },
    ]);
    expect(history.scan()).toBe(2);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/Skipped Chrome history at .*Gone.History: the file does not exist/);
    expect(warnings[1]).toMatch(/Corrupt.History: (file is not a database|database disk image is malformed)/);
    expect(warnings[2]).toMatch(/other\.sqlite: it has neither Chrome's urls and visits tables nor Firefox's/);
    expect(history.scan()).toBe(0);
    expect(warnings).toHaveLength(3); // said once, not at every scan
    good.db.close();
  });

  it("does not go back further than the lookback on a profile's first read", () => {
    const live = chromiumHistory(join(dir, "History"), "chromium_history_v40.sql", MORNING);
    const { history } = listener([{ application: "Chrome", profile: "Default", path: live.path }], NOW, 5 * DAY);
    expect(history.scan()).toBe(0); // the morning was 5 days and an hour before "now"
    const { history: wider } = listener([{ application: "Chrome", profile: "Other", path: live.path }], NOW, 10 * 365 * DAY);
    expect(wider.scan()).toBe(0); // same file: from now on its cursor decides, not the lookback
    live.db.close();
  });

  it("starts, scans at once, and stops", async () => {
    const live = chromiumHistory(join(dir, "History"), "chromium_history_v70.sql", MORNING);
    const { history } = listener([{ application: "Chrome", profile: "Default", path: live.path }]);
    history.start();
    history.stop();
    expect(recorded.flat()).toHaveLength(2);
    live.db.close();
  });
});
