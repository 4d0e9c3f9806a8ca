import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ActivitySummary, ActivityView, JobApplicationView, JobDetectionView, UpcomingInterview } from "#protocol";
import { errorOf, TestClient } from "../../../test/client.ts";
import { connectAgent, userWithDevice } from "../../../test/sockets.ts";

// Job applications as a user meets them: each move kept with its date, the details they keep, interviews on a
// calendar file, and applications found in browser history waiting in a tray for a yes or no.

async function signedIn() {
  const client = new TestClient();
  await client.register();
  return client;
}

async function add(client: TestClient, body: Record<string, unknown>): Promise<ActivityView> {
  const response = await client.request("POST", "/api/activities/applications", { json: { role: "Engineer", ...body } });
  expect(response.status).toBe(201);
  return ((await response.json()) as { activity: ActivityView }).activity;
}

async function detail(client: TestClient, id: string): Promise<JobApplicationView> {
  const response = await client.request("GET", `/api/activities/jobs/${id}`);
  expect(response.status).toBe(200);
  return response.json();
}

const move = (client: TestClient, id: string, to: string) => client.request("PATCH", `/api/activities/${id}`, { json: { job_status: to } });

describe("application stages and details", () => {
  it("keeps each move with its date, from the wishlist to ghosted, and the board lists the new stages", async () => {
    const client = await signedIn();
    const app = await add(client, { company: "Initech", status: "wishlist", applied_on: "2026-03-02", url: "https://initech.example/jobs/7" });
    for (const to of ["applied", "assessment", "interview", "interview", "ghosted"]) expect((await move(client, app.id, to)).status).toBe(200);
    const view = await detail(client, app.id);
    expect(view.activity.job_status).toBe("ghosted");
    // The first status is dated when it happened; a "move" to the same stage is no move.
    expect(view.history.map((m) => [m.from, m.to])).toEqual([[null, "wishlist"], ["wishlist", "applied"], ["applied", "assessment"], ["assessment", "interview"], ["interview", "ghosted"]]);
    expect(view.history[0]?.at).toBe(Date.parse("2026-03-02T12:00:00Z"));
    expect(view.history.at(-1)?.at).toBeGreaterThan(Date.now() - 60_000);
    // The filter and the pipeline know the new stages.
    const filtered: { activities: ActivityView[] } = await (await client.request("GET", "/api/activities?status=ghosted")).json();
    expect(filtered.activities.map((a) => a.id)).toEqual([app.id]);
    const summary: ActivitySummary = await (await client.request("GET", "/api/activities/summary?group=month")).json();
    expect(summary.pipeline).toEqual([{ status: "ghosted", count: 1 }]);
    // An old stage name is refused with the field named.
    expect(await errorOf(await move(client, app.id, "screening"))).toMatchObject({ field: "job_status" });
  });

  it("saves the link, contacts, notes and résumé version, with clear errors, and only for the owner", async () => {
    const client = await signedIn();
    const app = await add(client, { company: "Globex", notes: "Referred by Sam", resume_version: "2026-02 backend" });
    expect(await detail(client, app.id)).toMatchObject({ notes: "Referred by Sam", resume_version: "2026-02 backend", contacts: [] });
    const contacts = [{ name: "Hank Scorpio", email: "hank@globex.example", role: "Hiring manager" }, { name: "Recruiter Ann" }];
    const saved = await client.request("PATCH", `/api/activities/jobs/${app.id}`, { json: { contacts, url: "https://globex.example/careers/42", notes: "" } });
    expect(saved.status).toBe(200);
    expect(await saved.json()).toMatchObject({ contacts, notes: null, activity: { url: "https://globex.example/careers/42" } });
    const badMail = await client.request("PATCH", `/api/activities/jobs/${app.id}`, { json: { contacts: [{ name: "X", email: "not-mail" }] } });
    expect(await errorOf(badMail)).toMatchObject({ field: "contacts.0.email" });
    const badLink = await client.request("PATCH", `/api/activities/jobs/${app.id}`, { json: { url: "javascript:alert(1)" } });
    expect(await errorOf(badLink)).toMatchObject({ field: "url" });
    const other = await signedIn();
    expect((await other.request("GET", `/api/activities/jobs/${app.id}`)).status).toBe(404);
    expect((await other.request("PATCH", `/api/activities/jobs/${app.id}`, { json: { notes: "mine" } })).status).toBe(404);
  });
});

describe("interviews", () => {
  it("stores a local time in its zone, lists upcoming ones and exports them as .ics", async () => {
    const client = await signedIn();
    const app = await add(client, { company: "Acme; Rockets, Inc.", role: "Staff Engineer", status: "interview" });
    const year = new Date().getUTCFullYear() + 1;
    // 09:30 in Amsterdam in July is 07:30 UTC (summer time); in January 08:30 UTC.
    const summer = await client.request("POST", `/api/activities/jobs/${app.id}/interviews`, { json: { starts_local: `${year}-07-14T09:30`, time_zone: "Europe/Amsterdam", kind: "onsite", location: "Damrak 1, Amsterdam, third floor" } });
    expect(summer.status).toBe(201);
    const { interview }: { interview: UpcomingInterview } = await summer.json();
    expect(interview.starts_at).toBe(Date.parse(`${year}-07-14T07:30:00Z`));
    const winter = await client.request("POST", `/api/activities/jobs/${app.id}/interviews`, { json: { starts_local: `${year}-01-20T09:30`, time_zone: "Europe/Amsterdam", kind: "video", location: "https://meet.example/abc" } });
    expect(((await winter.json()) as { interview: UpcomingInterview }).interview.starts_at).toBe(Date.parse(`${year}-01-20T08:30:00Z`));
    const badZone = await client.request("POST", `/api/activities/jobs/${app.id}/interviews`, { json: { starts_local: `${year}-01-20T09:30`, time_zone: "Mars/Olympus" } });
    expect(await errorOf(badZone)).toMatchObject({ field: "time_zone" });
    const badTime = await client.request("POST", `/api/activities/jobs/${app.id}/interviews`, { json: { starts_local: "tomorrow", time_zone: "UTC" } });
    expect(await errorOf(badTime)).toMatchObject({ field: "starts_local" });
    // A day that does not exist is refused, not rolled over into March.
    const noSuchDay = await client.request("POST", `/api/activities/jobs/${app.id}/interviews`, { json: { starts_local: `${year}-02-31T25:61`, time_zone: "UTC" } });
    expect(await errorOf(noSuchDay)).toMatchObject({ field: "starts_local", message: expect.stringMatching(/does not exist/) });
    // A pasted CR LF would start a new calendar property in the .ics: refused, naming the field, and nothing stored.
    const injected = await client.request("POST", `/api/activities/jobs/${app.id}/interviews`, { json: { starts_local: `${year}-01-21T09:30`, time_zone: "UTC", location: "https://meet.example/x\r\nATTENDEE:mailto:evil@example.com" } });
    expect(await errorOf(injected)).toMatchObject({ field: "location" });
    const badCompany = await client.request("PATCH", `/api/activities/jobs/${app.id}`, { json: { company: "Acme\r\nX-EVIL:1" } });
    expect(await errorOf(badCompany)).toMatchObject({ field: "company" });

    const listed: { interviews: UpcomingInterview[] } = await (await client.request("GET", "/api/activities/jobs/interviews")).json();
    expect(listed.interviews.map((i) => [i.kind, i.company])).toEqual([["video", "Acme; Rockets, Inc."], ["onsite", "Acme; Rockets, Inc."]]);

    const ics = await client.request("GET", "/api/activities/jobs/interviews.ics");
    expect(ics.headers.get("content-type")).toMatch(/^text\/calendar/);
    const text = await ics.text();
    expect(text.startsWith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")).toBe(true);
    expect(text.match(/BEGIN:VEVENT/g)).toHaveLength(2);
    const unfolded = text.replace(/\r\n /g, "");
    expect(unfolded).toContain(`DTSTART:${year}0714T073000Z`);
    expect(unfolded).toContain("SUMMARY:On-site interview: Staff Engineer at Acme\\; Rockets\\, Inc.");
    expect(unfolded).toContain("LOCATION:Damrak 1\\, Amsterdam\\, third floor");
    for (const line of text.split("\r\n")) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
    const one = await client.request("GET", `/api/activities/jobs/interviews/${interview.id}/ics`);
    expect((await one.text()).match(/BEGIN:VEVENT/g)).toHaveLength(1);
    // Another user sees none of it.
    const other = await signedIn();
    expect((await other.request("GET", `/api/activities/jobs/interviews/${interview.id}/ics`)).status).toBe(404);
    expect((await other.request("DELETE", `/api/activities/jobs/interviews/${interview.id}`)).status).toBe(404);
    expect((await client.request("DELETE", `/api/activities/jobs/interviews/${interview.id}`)).status).toBe(200);
    expect((await detail(client, app.id)).interviews).toHaveLength(1);
  });
});

describe("applications detected from browser history", () => {
  const detected = (n: number) => ({
    event_id: `history:abc${n}`,
    activity_type: "job",
    timestamp: "2026-11-02T10:00:00Z",
    application: "Chrome",
    description: `Applied for Engineer ${n} at Hooli (Greenhouse, from Chrome history)`,
    details: { company: "Hooli", role: `Engineer ${n}`, status: "applied", url: `https://boards.greenhouse.io/hooli/jobs/${n}/confirmation`, ats: "Greenhouse", evidence: "confirmation" },
  });

  it("wait to be confirmed; accepted ones join the board, dismissed ones do not come back when sent again", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket } = await connectAgent(token, deviceId);
    socket.send({ v: 1, type: "activity", id: "jobs-1", events: [detected(1), detected(2)] });
    await socket.next("ack", (f) => f.ref === "jobs-1");
    const board = async () => ((await (await client.request("GET", "/api/activities?type=job")).json()) as { activities: ActivityView[] }).activities;
    const tray = async () => ((await (await client.request("GET", "/api/activities/jobs/detections")).json()) as { detections: JobDetectionView[] }).detections;
    expect(await board()).toEqual([]);
    expect((await tray()).map((d) => d.role).sort()).toEqual(["Engineer 1", "Engineer 2"]);
    const pipeline = async () => ((await (await client.request("GET", "/api/activities/summary")).json()) as ActivitySummary).pipeline;
    expect(await pipeline()).toEqual([]);

    const accept = await client.request("POST", "/api/activities/jobs/detections/decide", { json: { event_id: "history:abc1", decision: "accept" } });
    expect(accept.status).toBe(200);
    expect(((await accept.json()) as { activity: ActivityView }).activity).toMatchObject({ company: "Hooli", role: "Engineer 1", source: "agent", device_id: deviceId });
    expect((await client.request("POST", "/api/activities/jobs/detections/decide", { json: { event_id: "history:abc2", decision: "dismiss" } })).status).toBe(200);
    expect(await tray()).toEqual([]);
    expect((await board()).map((a) => a.role)).toEqual(["Engineer 1"]);
    expect(await pipeline()).toEqual([{ status: "applied", count: 1 }]);
    // Deciding twice is a conflict, not a second application.
    expect((await client.request("POST", "/api/activities/jobs/detections/decide", { json: { event_id: "history:abc1", decision: "accept" } })).status).toBe(409);

    // "Accept" in one tab and "Dismiss" in another at once: one wins, and the board agrees with it.
    socket.send({ v: 1, type: "activity", id: "jobs-3", events: [detected(3)] });
    await socket.next("ack", (f) => f.ref === "jobs-3");
    const decide = (decision: string) => client.request("POST", "/api/activities/jobs/detections/decide", { json: { event_id: "history:abc3", decision } });
    const [accepted, dismissed] = await Promise.all([decide("accept"), decide("dismiss")]);
    expect([accepted.status, dismissed.status].sort()).toEqual([200, 409]);
    const onBoard = (await board()).some((a) => a.role === "Engineer 3");
    expect(onBoard).toBe(accepted.status === 200);
    expect(await tray()).toEqual([]);

    // The listener reads history again (a restart, another profile): nothing comes back, nothing doubles.
    socket.send({ v: 1, type: "activity", id: "jobs-2", events: [detected(1), detected(2), detected(3)] });
    await socket.next("ack", (f) => f.ref === "jobs-2");
    expect(await tray()).toEqual([]);
    expect(await board()).toHaveLength(onBoard ? 2 : 1);
    socket.close();
  });
});

describe("the detections table", () => {
  it("is the user's own", async () => {
    const other = await signedIn();
    expect((await other.request("POST", "/api/activities/jobs/detections/decide", { json: { event_id: "history:abc1", decision: "accept" } })).status).toBe(404);
    const row = await env.DB.prepare("SELECT count(*) AS n FROM job_detections WHERE event_id = 'nope'").first<{ n: number }>();
    expect(row?.n).toBe(0);
  });
});
