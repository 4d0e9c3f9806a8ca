import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ActivityView, CategoryRule, CategoryRuleApplied, CategoryRulesList } from "#protocol";
import { MAX_CATEGORY_RULES } from "#protocol";
import { TestClient, errorOf } from "../../../test/client.ts";
import { connectAgent, userWithDevice } from "../../../test/sockets.ts";

// Category rules through the real worker, relay and D1: the rules' CRUD and order, applying one to past rows
// (a dry-run count first, hand corrections kept unless asked), and every way in (API, upload, agent) filing
// arriving transactions by them.

const DAY = 24 * 60 * 60_000;

async function signedIn() {
  const client = new TestClient();
  await client.register();
  return client;
}

const payment = (id: string, daysAgo: number, amount: number, merchant: string, extra: Record<string, unknown> = {}) => ({
  event_id: id,
  activity_type: "financial",
  timestamp: new Date(Date.now() - daysAgo * DAY).toISOString(),
  application: "Bank",
  details: { amount, currency: "EUR", merchant, ...extra },
});

async function rules(client: TestClient): Promise<CategoryRule[]> {
  return ((await (await client.request("GET", "/api/category-rules")).json()) as CategoryRulesList).rules;
}

async function create(client: TestClient, body: Record<string, unknown>): Promise<CategoryRule> {
  const response = await client.request("POST", "/api/category-rules", { json: body });
  expect(response.status).toBe(201);
  return ((await response.json()) as { rule: CategoryRule }).rule;
}

async function categories(client: TestClient): Promise<Record<string, string | null>> {
  const page: { activities: ActivityView[] } = await (await client.request("GET", "/api/activities?limit=200&type=financial")).json();
  return Object.fromEntries(page.activities.map((a) => [a.event_id, a.category]));
}

const apply = async (client: TestClient, id: string, body: Record<string, unknown>): Promise<CategoryRuleApplied> =>
  (await client.request("POST", `/api/category-rules/${id}/apply`, { json: body })).json();

describe("category rules", () => {
  it("are listed in order, edited, moved, deleted, and refused with the field at fault", async () => {
    const client = await signedIn();
    expect(await rules(client)).toEqual([]);
    const netflix = await create(client, { match: "merchant_is", pattern: " Netflix ", category: "Subscriptions" });
    expect(netflix).toMatchObject({ match: "merchant_is", pattern: "Netflix", category: "Subscriptions", position: 0 });
    const amazon = await create(client, { match: "wildcard", pattern: "AMZN*", category: "Shopping" });
    const rent = await create(client, { match: "description_contains", pattern: "rent", category: "Housing", position: 0 });
    expect((await rules(client)).map((r) => [r.pattern, r.position])).toEqual([["rent", 0], ["Netflix", 1], ["AMZN*", 2]]);

    // Moved last, then renamed: the others close up.
    const moved = await client.request("PATCH", `/api/category-rules/${rent.id}`, { json: { position: 9 } });
    expect(await moved.json()).toMatchObject({ rule: { position: 2 } });
    await client.request("PATCH", `/api/category-rules/${amazon.id}`, { json: { category: "Online shopping" } });
    expect((await rules(client)).map((r) => [r.pattern, r.category, r.position])).toEqual([["Netflix", "Subscriptions", 0], ["AMZN*", "Online shopping", 1], ["rent", "Housing", 2]]);

    expect((await client.request("DELETE", `/api/category-rules/${netflix.id}`)).status).toBe(200);
    expect((await rules(client)).map((r) => [r.pattern, r.position])).toEqual([["AMZN*", 0], ["rent", 1]]);
    expect((await client.request("DELETE", `/api/category-rules/${netflix.id}`)).status).toBe(404);

    const empty = await client.request("POST", "/api/category-rules", { json: { match: "merchant_is", pattern: "  ", category: "X" } });
    expect(empty.status).toBe(400);
    expect(await errorOf(empty)).toMatchObject({ field: "pattern", message: expect.stringMatching(/empty/) });
    const everything = await client.request("POST", "/api/category-rules", { json: { match: "wildcard", pattern: "**", category: "X" } });
    expect(await errorOf(everything)).toMatchObject({ field: "pattern", message: expect.stringMatching(/match everything/) });
    const noCategory = await client.request("POST", "/api/category-rules", { json: { match: "merchant_is", pattern: "Lidl" } });
    expect(await errorOf(noCategory)).toMatchObject({ field: "category" });
    const badMatch = await client.request("POST", "/api/category-rules", { json: { match: "regex", pattern: "Lidl", category: "Food" } });
    expect(await errorOf(badMatch)).toMatchObject({ field: "match" });
    expect((await client.request("PATCH", `/api/category-rules/${amazon.id}`, { json: {} })).status).toBe(400);

    // Another user sees none of them and cannot touch them.
    const other = await signedIn();
    expect(await rules(other)).toEqual([]);
    expect((await other.request("PATCH", `/api/category-rules/${amazon.id}`, { json: { category: "Mine" } })).status).toBe(404);
    expect((await other.request("POST", `/api/category-rules/${amazon.id}/apply`, { json: { dry_run: true } })).status).toBe(404);
  });

  it("are capped per user, with a message that says what to do", async () => {
    const client = await signedIn();
    for (let at = 0; at < MAX_CATEGORY_RULES; at += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => create(client, { match: "merchant_is", pattern: `Shop ${at + i}`, category: "Shops" })));
    }
    const over = await client.request("POST", "/api/category-rules", { json: { match: "merchant_is", pattern: "One more", category: "Shops" } });
    expect(over.status).toBe(409);
    expect((await errorOf(over)).message).toMatch(/200 category rules.*Delete/);
    expect(await rules(client)).toHaveLength(MAX_CATEGORY_RULES);
  }, 60_000);

  it("file every arriving transaction, by API, upload and agent, before the learned category", async () => {
    const { client, token, deviceId } = await userWithDevice();
    await create(client, { match: "wildcard", pattern: "amzn mktp*", category: "Shopping" });
    await create(client, { match: "description_contains", pattern: "Miete", category: "Housing" });
    // A category learned from an earlier correction, for a merchant no rule names.
    await client.request("POST", "/api/activities", { json: { events: [payment("bakery-1", 40, -3, "Bakery")] } });
    const bakery = ((await (await client.request("GET", "/api/activities?type=financial")).json()) as { activities: ActivityView[] }).activities[0];
    await client.request("PATCH", `/api/activities/${bakery?.id}`, { json: { category: "Food" } });

    const pushed = await client.request("POST", "/api/activities", {
      json: {
        events: [
          payment("api-amzn", 3, -25, "AMZN Mktp DE*2K4"),
          // The rule wins over the bank's own category; the description counts too.
          payment("api-rent", 2, -900, "Hausverwaltung GmbH", { category: "Transfers" }),
          { ...payment("api-rent-2", 1, -900, "Hausverwaltung GmbH"), description: "MIETE Oktober" },
          payment("bakery-2", 1, -4, "Bakery"),
          payment("other", 1, -9, "Kiosk"),
          { event_id: "browser-1", activity_type: "browser", timestamp: new Date().toISOString(), application: "Chrome", details: { url: "https://example.com", merchant: "AMZN Mktp" } },
        ],
      },
    });
    expect(await pushed.json()).toMatchObject({ stored: 6, duplicates: 0, rejected: [] });

    const ofx = `OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR\n<BANKTRANLIST>\n<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261003<TRNAMT>-12.40<FITID>U1<NAME>AMZN MKTP FR</STMTTRN>\n</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n`;
    const uploaded = await client.request("POST", "/api/activities/import?filename=oct.ofx", { body: ofx, headers: { "content-type": "application/octet-stream" } });
    expect(await uploaded.json()).toMatchObject({ stored: 1 });

    const { socket } = await connectAgent(token, deviceId);
    socket.send({ v: 1, type: "activity", id: "agent-batch", events: [payment("agent-amzn", 0, -7, "amzn   mktp uk")] });
    await socket.next("ack", (f) => f.ref === "agent-batch");

    const stored = await categories(client);
    expect(stored).toMatchObject({
      "api-amzn": "Shopping",
      "api-rent": "Transfers",
      "api-rent-2": "Housing",
      "bakery-2": "Food",
      other: null,
      "agent-amzn": "Shopping",
    });
    expect(Object.entries(stored).find(([id]) => id.startsWith("ofx:"))?.[1]).toBe("Shopping");
    const browser = ((await (await client.request("GET", "/api/activities?type=browser")).json()) as { activities: ActivityView[] }).activities[0];
    expect(browser?.category).toBeNull();
  });

  it("made in one click from a card payment, read as the merchant and file next month's payment at another till", async () => {
    const client = await signedIn();
    const asked = await client.request("GET", `/api/category-rules/merchant?merchant=${encodeURIComponent("ALBERT HEIJN 1234 UTRECHT")}`);
    expect(await asked.json()).toEqual({ pattern: "Albert Heijn" });
    const empty = await client.request("GET", "/api/category-rules/merchant?merchant=%20");
    expect(empty.status).toBe(400);
    expect(await errorOf(empty)).toMatchObject({ field: "merchant" });

    await create(client, { match: "merchant_is", pattern: "Albert Heijn", category: "Groceries" });
    await client.request("POST", "/api/activities", {
      json: { events: [payment("ah-next", 1, -42.1, "ALBERT HEIJN 5678 UTRECHT"), payment("bakery", 1, -3, "ALBERT BAKKERIJ")] },
    });
    expect(await categories(client)).toMatchObject({ "ah-next": "Groceries", bakery: null });
  });

  it("apply to past rows: a dry-run count, then the change; hand corrections stay unless overwrite is asked", async () => {
    const client = await signedIn();
    // Two years of a monthly Spotify payment, one filed by the bank, one corrected by hand, and a look-alike.
    const history: Record<string, unknown>[] = Array.from({ length: 24 }, (_, month) => payment(`spotify-${month}`, 30 * month + 1, -9.99, month % 2 === 0 ? "SPOTIFY AB" : "Spotify AB"));
    history[3] = payment("spotify-3", 91, -9.99, "Spotify AB", { category: "Music" });
    history[7] = { ...payment("spotify-7", 211, -9.99, "Spotify AB"), description: "Spotify-claimed gift card" };
    await client.request("POST", "/api/activities", { json: { events: [...history, payment("spotify-shop", 5, -30, "Spotify AB Merch Store")] } });
    const listed = ((await (await client.request("GET", "/api/activities?limit=200&type=financial")).json()) as { activities: ActivityView[] }).activities;
    const handMade = listed.find((a) => a.event_id === "spotify-5");
    await client.request("PATCH", `/api/activities/${handMade?.id}`, { json: { category: "Gifts" } });

    const rule = await create(client, { match: "merchant_is", pattern: "spotify ab", category: "Subscriptions" });
    // An earlier rule claims some rows first: the applied rule leaves those to it.
    await create(client, { match: "description_contains", pattern: "spotify-claimed", category: "Other", position: 0 });

    expect(await apply(client, rule.id, { dry_run: true })).toEqual({ rows: 22, dry_run: true, overwrite: false });
    expect(Object.values(await categories(client)).filter((c) => c === "Subscriptions")).toHaveLength(0);
    expect(await apply(client, rule.id, {})).toEqual({ rows: 22, dry_run: false, overwrite: false });
    const after = await categories(client);
    expect(after["spotify-0"]).toBe("Subscriptions");
    expect(after["spotify-3"]).toBe("Subscriptions"); // the bank's category was not the user's
    expect(after["spotify-5"]).toBe("Gifts");
    expect(after["spotify-7"]).toBeNull();
    expect(after["spotify-shop"]).toBeNull();
    // Applied again: nothing left to change. With overwrite: the hand correction too.
    expect(await apply(client, rule.id, { dry_run: true })).toMatchObject({ rows: 0 });
    expect(await apply(client, rule.id, { dry_run: true, overwrite: true })).toMatchObject({ rows: 1 });
    expect(await apply(client, rule.id, { overwrite: true })).toMatchObject({ rows: 1 });
    expect((await categories(client))["spotify-5"]).toBe("Subscriptions");

    // The dashboard's spending summary follows (its rollups are kept by triggers).
    const summary = await (await client.request("GET", "/api/activities/summary?period=year")).text();
    expect(summary).toContain("Subscriptions");
  });

  it("apply to past rows across years of data, a page at a time, with hand corrections still kept", async () => {
    const client = await signedIn();
    await client.request("POST", "/api/activities", { json: { events: [payment("seed", 1, -1, "Seed")] } });
    const owner = await env.DB.prepare("SELECT user_id FROM activities WHERE event_id = 'seed'").first<{ user_id: string }>();
    // 12 000 card payments at one supermarket's tills (more than two pages of rows), every 300th corrected by hand.
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000)
       INSERT INTO activities (id, user_id, event_id, source, activity_type, timestamp, occurred_at, application, details, amount_minor, currency, merchant, category, created_at, updated_at)
       SELECT 'past-' || i, ?1, printf('past-%05d', i), 'api', 'financial', '2024-01-01T00:00:00Z', 1704067200000 + i * 3600000, 'Bank',
              json_object('amount', -12.5, 'currency', 'EUR', 'merchant', 'ALBERT HEIJN ' || (1000 + i % 50) || ' UTRECHT'), -1250, 'EUR',
              'ALBERT HEIJN ' || (1000 + i % 50) || ' UTRECHT', CASE WHEN i % 300 = 0 THEN 'Treats' END, 0, 0
       FROM n`,
    )
      .bind(owner?.user_id)
      .run();
    const rule = await create(client, { match: "merchant_is", pattern: "Albert Heijn", category: "Groceries" });
    expect(await apply(client, rule.id, { dry_run: true })).toMatchObject({ rows: 11_960 });
    expect(await apply(client, rule.id, {})).toMatchObject({ rows: 11_960 });
    const counts = await env.DB.prepare("SELECT category, count(*) AS n FROM activities WHERE user_id = ? AND event_id LIKE 'past-%' GROUP BY category ORDER BY category")
      .bind(owner?.user_id)
      .all<{ category: string; n: number }>();
    expect(counts.results).toEqual([
      { category: "Groceries", n: 11_960 },
      { category: "Treats", n: 40 },
    ]);
    expect(await apply(client, rule.id, { dry_run: true })).toMatchObject({ rows: 0 });
  });
});
