import { describe, expect, it } from "vitest";
import { RelayAckFrame } from "#protocol";
import { errorOf, TestClient } from "../../../test/client.ts";
import { connectAgent, openBrowserSocket, userWithDevice } from "../../../test/sockets.ts";

type Activity = { id: string; event_id: string; activity_type: string; amount: number | null; currency: string | null; merchant: string | null; category: string | null; company: string | null; job_status: string | null; url: string | null; tags: string[]; source: string; device_id: string | null };
type Page = { activities: Activity[]; next_before: string | null };

const coffee = (n: number, extra: Record<string, unknown> = {}) => ({
  event_id: `ofx:FITID-${n}`,
  activity_type: "financial",
  timestamp: `2026-10-${String(10 + (n % 20)).padStart(2, "0")}T09:30:00Z`,
  application: "Bank statement",
  description: `Coffee #${n}`,
  details: { amount: -4.5, currency: "USD", merchant: "Blue Bottle", category: "eating out" },
  ...extra,
});

async function signedIn() {
  const client = new TestClient();
  await client.register();
  return client;
}

async function list(client: TestClient, query = ""): Promise<Page> {
  const response = await client.request("GET", `/api/activities${query}`);
  expect(response.status).toBe(200);
  return response.json();
}

describe("activity ingest", () => {
  it("stores a batch once, however often it is sent, with typed money and job fields", async () => {
    const client = await signedIn();
    const job = {
      event_id: "history:greenhouse:acme:1",
      activity_type: "job",
      timestamp: "2026-10-20T14:00:00+02:00",
      application: "Chrome",
      description: "Applied: Senior Engineer at Acme",
      details: { company: "Acme", role: "Senior Engineer", url: "https://boards.greenhouse.io/acme/jobs/1" },
      tags: ["remote"],
    };
    const batch = { events: [coffee(1), coffee(2), job] };
    const first = await client.request("POST", "/api/activities", { json: batch });
    expect(await first.json()).toEqual({ stored: 3, duplicates: 0, rejected: [] });
    const again = await client.request("POST", "/api/activities", { json: batch });
    expect(await again.json()).toEqual({ stored: 0, duplicates: 3, rejected: [] });

    const page = await list(client);
    expect(page.activities).toHaveLength(3);
    expect(page.activities.find((a) => a.event_id === "ofx:FITID-1")).toMatchObject({ amount: -4.5, currency: "USD", merchant: "Blue Bottle", category: "eating out", source: "upload" });
    expect(page.activities.find((a) => a.activity_type === "job")).toMatchObject({ company: "Acme", job_status: "applied", tags: ["remote"] });
  });

  it("refuses a malformed event by index and reason, and stores the rest", async () => {
    const client = await signedIn();
    const response = await client.request("POST", "/api/activities", {
      json: { events: [coffee(1), { event_id: "x", activity_type: "financial", timestamp: "yesterday", application: "Bank", details: {} }, coffee(3, { details: { amount: 12 } }), coffee(4)] },
    });
    const result: { stored: number; rejected: { index: number; reason: string }[] } = await response.json();
    expect(result.stored).toBe(2);
    expect(result.rejected.map((r) => r.index)).toEqual([1, 2]);
    expect(result.rejected[0]?.reason).toMatch(/timestamp/);
    expect(result.rejected[1]?.reason).toMatch(/currency/);
    expect((await list(client)).activities.map((a) => a.event_id).sort()).toEqual(["ofx:FITID-1", "ofx:FITID-4"]);
  });

  it("refuses a link that is not http(s) or mailto, naming it per event, since the app draws links", async () => {
    const client = await signedIn();
    const job = (n: number, url: string) => ({
      event_id: `link-${n}`,
      activity_type: "job",
      timestamp: "2026-10-20T14:00:00Z",
      application: "Chrome",
      details: { company: "Acme", url },
    });
    const links = ["javascript:alert(document.cookie)", "data:text/html,<script>alert(1)</script>", "file:///etc/passwd", "https://jobs.example/1", "mailto:jobs@example.com"];
    const response = await client.request("POST", "/api/activities", { json: { events: links.map((url, i) => job(i, url)) } });
    const result: { stored: number; rejected: { index: number; reason: string }[] } = await response.json();
    expect(result.stored).toBe(2);
    expect(result.rejected.map((r) => r.index)).toEqual([0, 1, 2]);
    for (const refusal of result.rejected) expect(refusal.reason).toMatch(/url: use an http:\/\/, https:\/\/ or mailto: link/);
    expect((await list(client)).activities.map((a) => a.url).sort()).toEqual(["https://jobs.example/1", "mailto:jobs@example.com"]);

    const manual = await client.request("POST", "/api/activities/applications", { json: { company: "Acme", role: "Engineer", url: "javascript:alert(1)" } });
    expect(manual.status).toBe(400);
    expect(await errorOf(manual)).toMatchObject({ code: "validation_failed", field: "url" });
  });

  it("lets another tool push with an ingest token, until the token is revoked", async () => {
    const client = await signedIn();
    const created = await client.request("POST", "/api/ingest-tokens", { json: { name: "Budget script" } });
    expect(created.status).toBe(201);
    const { token, ingest_token } = (await created.json()) as { token: string; ingest_token: { id: string } };
    expect(token).toMatch(/^hearth_ingest_/);

    const tool = new TestClient(); // no cookie, no Origin: a script
    const push = (t: string) => tool.request("POST", "/api/activities", { json: { events: [coffee(7)] }, headers: { authorization: `Bearer ${t}`, origin: "" } });
    expect(await (await push(token)).json()).toMatchObject({ stored: 1 });
    expect((await push("hearth_ingest_wrong")).status).toBe(401);
    expect((await list(client)).activities[0]).toMatchObject({ event_id: "ofx:FITID-7", source: "api" });

    expect((await client.request("DELETE", `/api/ingest-tokens/${ingest_token.id}`)).status).toBe(200);
    expect((await push(token)).status).toBe(401);
    const tokens: { tokens: { revoked_at: number | null }[] } = await (await client.request("GET", "/api/ingest-tokens")).json();
    expect(tokens.tokens[0]?.revoked_at).not.toBeNull();
  });

  it("filters by type, category, tag, amount, time and words, and pages without gaps", async () => {
    const client = await signedIn();
    const events = Array.from({ length: 12 }, (_, n) => coffee(n, n % 3 === 0 ? { details: { amount: -120, currency: "USD", merchant: "Whole Foods", category: "groceries" }, tags: ["weekly"] } : {}));
    await client.request("POST", "/api/activities", { json: { events } });
    expect((await list(client, "?category=groceries")).activities).toHaveLength(4);
    expect((await list(client, "?tag=weekly")).activities).toHaveLength(4);
    expect((await list(client, "?max_amount=-100")).activities.map((a) => a.merchant)).toEqual(Array(4).fill("Whole Foods"));
    expect((await list(client, "?q=whole%20foods")).activities).toHaveLength(4);
    expect((await list(client, "?q=%22)(*")).activities).toHaveLength(0); // never FTS syntax
    expect((await list(client, "?type=job")).activities).toHaveLength(0);
    expect((await list(client, `?from=${Date.parse("2026-10-20T00:00:00Z")}`)).activities.map((a) => a.event_id).sort()).toEqual(["ofx:FITID-10", "ofx:FITID-11"]);

    const seen: string[] = [];
    let before: string | null = null;
    for (let i = 0; i < 10; i++) {
      const page: Page = await list(client, `?limit=5${before ? `&before=${before}` : ""}`);
      seen.push(...page.activities.map((a) => a.id));
      before = page.next_before;
      if (!before) break;
    }
    expect(new Set(seen).size).toBe(12);
    expect((await client.request("GET", "/api/activities?type=shopping")).status).toBe(400);
  });

  it("lets the user correct category, tags and status, and exports the current filter as CSV", async () => {
    const client = await signedIn();
    const formula = coffee(2, { description: "=HYPERLINK(\"http://evil\")" });
    await client.request("POST", "/api/activities", { json: { events: [coffee(1), formula] } });
    const [first] = (await list(client, "?q=coffee")).activities;
    const patched = await client.request("PATCH", `/api/activities/${first?.id}`, { json: { category: "coffee", tags: ["treat", "treat"] } });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { activity: Activity }).activity).toMatchObject({ category: "coffee", tags: ["treat"] });
    expect((await client.request("PATCH", `/api/activities/${first?.id}`, { json: {} })).status).toBe(400);
    expect((await list(client, "?category=coffee")).activities).toHaveLength(1);

    const csv = await client.request("GET", "/api/activities/export.csv?type=financial");
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe("timestamp,activity_type,application,description,amount,currency,merchant,category,company,role,job_status,url,tags,event_id");
    expect(lines).toHaveLength(3);
    expect(lines.some((line) => line.includes(`"'=HYPERLINK(""http://evil"")"`))).toBe(true); // never a live formula
    expect(lines.some((line) => line.includes(",-4.5,USD,Blue Bottle,coffee,") && line.includes(",treat,"))).toBe(true);
  });

  it("keeps each user's activity to themselves", async () => {
    const alice = await signedIn();
    const bob = await signedIn();
    await alice.request("POST", "/api/activities", { json: { events: [coffee(1)] } });
    // The same event_id from another user is that user's own event.
    expect(await (await bob.request("POST", "/api/activities", { json: { events: [coffee(1)] } })).json()).toMatchObject({ stored: 1 });
    const mine = (await list(alice)).activities[0];
    expect((await list(bob)).activities.map((a) => a.id)).not.toContain(mine?.id);
    expect((await bob.request("DELETE", `/api/activities/${mine?.id}`)).status).toBe(404);
    expect((await alice.request("DELETE", `/api/activities/${mine?.id}`)).status).toBe(200);
  });
});

describe("activity from the agent", () => {
  it("acks a batch only once it is stored, refuses bad events by index, and stores a resend once", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket } = await connectAgent(token, deviceId);
    const browser = await openBrowserSocket(client);
    socket.send({ v: 1, type: "activity", id: "batch-1", events: [coffee(1), { nope: true }, coffee(2)] });
    const refused = await socket.next("error", (f) => f.ref === "batch-1");
    expect(String(refused.message)).toMatch(/1 of 3 events were refused \(#1:/);
    // The ack names the refused event and why, so the agent keeps it; the device page lists it too.
    const ack = RelayAckFrame.parse(await socket.next("ack", (f) => f.ref === "batch-1"));
    expect(ack.refused).toEqual([{ index: 1, reason: expect.stringMatching(/event_id|activity_type/) }]);
    const refusals = await client.request("GET", `/api/devices/${deviceId}/refused-activity`);
    expect(await refusals.json()).toMatchObject({ refused: [{ event_id: "batch-1#1", event: '{"nope":true}', reason: String(ack.refused?.[0]?.reason) }] });
    const stored = (await list(client)).activities;
    expect(stored.map((a) => a.event_id).sort()).toEqual(["ofx:FITID-1", "ofx:FITID-2"]);
    expect(stored[0]).toMatchObject({ device_id: deviceId, source: "agent" });
    expect((await browser.next("activity_stored")).count).toBe(2); // open dashboards reload

    // The agent died before it saw the ack and sends the batch again: still stored once.
    socket.send({ v: 1, type: "activity", id: "batch-1", events: [coffee(1), coffee(2)] });
    await socket.next("ack", (f) => f.ref === "batch-1");
    expect((await list(client)).activities).toHaveLength(2);
    // The user read them and clears the list; another user never sees them.
    const other = await signedIn();
    expect(await (await other.request("GET", `/api/devices/${deviceId}/refused-activity`)).json()).toEqual({ refused: [] });
    expect((await client.request("DELETE", `/api/devices/${deviceId}/refused-activity`)).status).toBe(200);
    expect(await (await client.request("GET", `/api/devices/${deviceId}/refused-activity`)).json()).toEqual({ refused: [] });
    socket.close();
    browser.close();
  });
});
