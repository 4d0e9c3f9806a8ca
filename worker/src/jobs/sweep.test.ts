import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import type { ActivityView, JobApplicationView, NotificationView } from "#protocol";
import { TestClient } from "../../../test/client.ts";
import { sweep } from "./sweep.ts";

// The hourly sweep as the user sees it: a silent application asks "follow up?" once, through their rule, channels
// and quiet hours; its buttons do what they say; an interview tomorrow (in the user's zone) is reminded once.

const DAY = 86_400_000;

async function signedIn() {
  const client = new TestClient();
  await client.register();
  return client;
}

const isoDay = (at: number) => new Date(at).toISOString().slice(0, 10);

async function add(client: TestClient, body: Record<string, unknown>): Promise<ActivityView> {
  const response = await client.request("POST", "/api/activities/applications", { json: { role: "Engineer", ...body } });
  expect(response.status).toBe(201);
  return ((await response.json()) as { activity: ActivityView }).activity;
}

async function bell(client: TestClient, kind: string): Promise<NotificationView[]> {
  const body: { notifications: NotificationView[] } = await (await client.request("GET", `/api/notifications?kind=${kind}`)).json();
  return body.notifications;
}

async function act(client: TestClient, notification: NotificationView, action: string) {
  const response = await client.request("POST", `/api/notifications/${notification.id}/actions/${action}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { message: string }).message;
}

/** The follow-ups about Umbrella, newest first. */
const umbrella = async (client: TestClient) => (await bell(client, "job_follow_up")).filter((n) => n.title === "Follow up with Umbrella?");

async function setFollowUpDays(client: TestClient, days: number) {
  const prefs: { rules: { kind: string }[] } = await (await client.request("GET", "/api/notifications/preferences")).json();
  const rules = prefs.rules.map((rule) => (rule.kind === "job_follow_up" ? { ...rule, threshold: days } : rule));
  expect((await client.request("PUT", "/api/notifications/preferences", { json: { rules } })).status).toBe(200);
}

describe("follow-ups", () => {
  it("asks once after the rule's days of silence; snooze waits a week, followed up restarts the clock", async () => {
    const client = await signedIn();
    const now = Date.now();
    const quiet = await add(client, { company: "Umbrella", applied_on: isoDay(now - 12 * DAY) });
    const fresh = await add(client, { company: "Cyberdyne", applied_on: isoDay(now - 3 * DAY) });
    const ancient = await add(client, { company: "Old Corp", applied_on: isoDay(now - 400 * DAY) });
    const closed = await add(client, { company: "Closed Ltd", status: "rejected", applied_on: isoDay(now - 20 * DAY) });
    void [fresh, ancient, closed];

    await sweep(env, now);
    await sweep(env, now + 60 * 60_000); // the next hour: nothing new
    const asked = await bell(client, "job_follow_up");
    expect(asked.map((n) => n.title)).toEqual(["Follow up with Umbrella?"]);
    expect(asked[0]?.body).toMatch(/at applied for 1[12] days/);
    expect(asked[0]?.actions.map((a) => a.id)).toEqual(["followed_up", "snooze", "mark_ghosted"]);

    // Snoozed: not asked again within the week, asked again after it.
    expect(await act(client, asked[0] as NotificationView, "snooze")).toBe("Snoozed for a week: Umbrella.");
    const [settled] = await bell(client, "job_follow_up");
    expect(settled).toMatchObject({ actions: [], outcome: "Snoozed for a week: Umbrella." });
    await sweep(env, now + 3 * DAY);
    expect(await umbrella(client)).toHaveLength(1);
    await sweep(env, now + 8 * DAY);
    const again = await umbrella(client);
    expect(again).toHaveLength(2);
    // Cyberdyne, applied for 3 days before, is due by now too.
    expect((await bell(client, "job_follow_up")).map((n) => n.title)).toContain("Follow up with Cyberdyne?");

    // Followed up: the clock starts again (10 days by default).
    expect(await act(client, again[0] as NotificationView, "followed_up")).toBe("Followed up with Umbrella.");
    const view: JobApplicationView = await (await client.request("GET", `/api/activities/jobs/${quiet.id}`)).json();
    expect(view.followed_up_at).toBeGreaterThan(now - 60_000);
    await sweep(env, now + 9 * DAY);
    expect(await umbrella(client)).toHaveLength(2);
    await sweep(env, Date.now() + 11 * DAY);
    expect(await umbrella(client)).toHaveLength(3);
  });

  it("mark ghosted moves the application, keeps the history, and follows the user's threshold", async () => {
    const client = await signedIn();
    await setFollowUpDays(client, 5);
    const now = Date.now();
    const app = await add(client, { company: "Soylent", applied_on: isoDay(now - 6 * DAY) });
    expect((await client.request("PATCH", `/api/activities/${app.id}`, { json: { job_status: "assessment" } })).status).toBe(200);
    // Moved today: not asked yet, however long ago it was applied for.
    await sweep(env, now);
    expect(await bell(client, "job_follow_up")).toEqual([]);
    await sweep(env, Date.now() + 6 * DAY + 60_000);
    const [asked] = await bell(client, "job_follow_up");
    expect(asked?.body).toMatch(/at assessment for 6 days/);
    expect(await act(client, asked as NotificationView, "mark_ghosted")).toBe("Marked Soylent as ghosted.");
    const view: JobApplicationView = await (await client.request("GET", `/api/activities/jobs/${app.id}`)).json();
    expect(view.activity.job_status).toBe("ghosted");
    expect(view.history.map((m) => m.to)).toEqual(["applied", "assessment", "ghosted"]);
    // The move is told like every other, and a ghosted application is not asked about.
    expect((await bell(client, "job_status_changed")).map((n) => n.title)).toContain("Soylent: ghosted");
    await sweep(env, now + 30 * DAY);
    expect(await bell(client, "job_follow_up")).toHaveLength(1);
    // Pressed again (an old webhook link): already answered.
    expect((await client.request("POST", `/api/notifications/${asked?.id}/actions/followed_up`)).status).toBe(409);
  });

  it("a stale follow-up button changes nothing once the application moved on, and two presses at once act once", async () => {
    const client = await signedIn();
    const now = Date.now();
    const offer = await add(client, { company: "Initech", applied_on: isoDay(now - 12 * DAY) });
    const waiting = await add(client, { company: "Hooli", applied_on: isoDay(now - 12 * DAY) });
    await sweep(env, now);
    const asked = await bell(client, "job_follow_up");
    const about = (company: string) => asked.find((n) => n.title.includes(company)) as NotificationView;
    // Initech made an offer after the question was asked; the old "Mark ghosted" button leaves it at offer.
    expect((await client.request("PATCH", `/api/activities/${offer.id}`, { json: { job_status: "offer" } })).status).toBe(200);
    const stale = await client.request("POST", `/api/notifications/${about("Initech").id}/actions/mark_ghosted`);
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as { error: { message: string } }).error.message).toMatch(/Initech is at offer now/);
    const view: JobApplicationView = await (await client.request("GET", `/api/activities/jobs/${offer.id}`)).json();
    expect(view.activity.job_status).toBe("offer");
    expect(view.history.map((m) => m.to)).toEqual(["applied", "offer"]);
    // The app and a webhook link pressed at the same moment: one acts, the other is told it was answered.
    const presses = await Promise.all([
      client.request("POST", `/api/notifications/${about("Hooli").id}/actions/mark_ghosted`),
      client.request("POST", `/api/notifications/${about("Hooli").id}/actions/mark_ghosted`),
    ]);
    expect(presses.map((r) => r.status).sort()).toEqual([200, 409]);
    const hooli: JobApplicationView = await (await client.request("GET", `/api/activities/jobs/${waiting.id}`)).json();
    expect(hooli.history.map((m) => m.to)).toEqual(["applied", "ghosted"]);
    expect((await bell(client, "job_status_changed")).filter((n) => n.title === "Hooli: ghosted")).toHaveLength(1);
  });

  it("stays quiet when the rule is off", async () => {
    const client = await signedIn();
    const prefs: { rules: { kind: string }[] } = await (await client.request("GET", "/api/notifications/preferences")).json();
    const rules = prefs.rules.map((rule) => (rule.kind === "job_follow_up" ? { ...rule, enabled: false } : rule));
    expect((await client.request("PUT", "/api/notifications/preferences", { json: { rules } })).status).toBe(200);
    await add(client, { company: "Muted", applied_on: isoDay(Date.now() - 15 * DAY) });
    await sweep(env, Date.now());
    expect(await bell(client, "job_follow_up")).toEqual([]);
  });
});

describe("interview reminders", () => {
  /** Tomorrow at 10:00 in a zone, as YYYY-MM-DDTHH:MM. */
  function tomorrowAt(zone: string, at: number, hour = "10:00"): string {
    const day = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at + DAY);
    return `${day}T${hour}`;
  }

  it("reminds once of an interview tomorrow in the user's zone, and quiet hours hold it", async () => {
    const client = await signedIn();
    const zone = "Pacific/Auckland";
    const quietHours = { enabled: false, start: "22:00", end: "07:00", time_zone: zone };
    expect((await client.request("PUT", "/api/notifications/preferences", { json: { quiet_hours: quietHours } })).status).toBe(200);
    const app = await add(client, { company: "Weta", status: "interview" });
    const now = Date.now();
    const post = (starts_local: string) => client.request("POST", `/api/activities/jobs/${app.id}/interviews`, { json: { starts_local, time_zone: zone, kind: "video", location: "https://meet.example/weta" } });
    expect((await post(tomorrowAt(zone, now))).status).toBe(201);
    // The day after tomorrow: not yet.
    expect((await post(tomorrowAt(zone, now + DAY))).status).toBe(201);
    await sweep(env, now);
    await sweep(env, now + 60_000);
    const reminders = await bell(client, "interview_reminder");
    expect(reminders.map((n) => n.title)).toEqual(["Interview tomorrow: Weta"]);
    expect(reminders[0]?.body).toMatch(/^Video interview for Engineer at Weta, 10:00 \(Pacific\/Auckland\), https:\/\/meet\.example\/weta\.$/);
    expect(reminders[0]?.priority).toBe("high");

    // The next day the second one is due, but quiet hours are on around the clock: held, not in the bell yet.
    const later = now + DAY;
    const hhmm = (at: number) => new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(at);
    const allDay = { enabled: true, start: hhmm(Date.now() - 60 * 60_000), end: hhmm(Date.now() + 60 * 60_000), time_zone: zone };
    expect((await client.request("PUT", "/api/notifications/preferences", { json: { quiet_hours: allDay } })).status).toBe(200);
    await sweep(env, later);
    expect(await bell(client, "interview_reminder")).toHaveLength(1);
    const held = await env.DB.prepare("SELECT count(*) AS n FROM notifications WHERE kind = 'interview_reminder' AND user_id = (SELECT user_id FROM activities WHERE id = ?) AND delivered_at IS NULL")
      .bind(app.id)
      .first<{ n: number }>();
    expect(held?.n).toBe(1);
    await sweep(env, later + 60_000);
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM notifications WHERE kind = 'interview_reminder' AND user_id = (SELECT user_id FROM activities WHERE id = ?)").bind(app.id).first<{ n: number }>();
    expect(stored?.n).toBe(2);
  });
});
