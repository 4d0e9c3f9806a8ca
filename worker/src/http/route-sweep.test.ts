import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../app.ts";
import type { TestClient } from "../../../test/client.ts";
import { openBrowserSocket } from "../../../test/sockets.ts";
import type { TestSocket } from "../../../test/sockets.ts";
import { ownEverything, secretsOf, signedUp } from "../../test/sweep/fixture.ts";
import type { Owned } from "../../test/sweep/fixture.ts";
import { ROUTES } from "../../test/sweep/routes.ts";
import type { Call, Probe } from "../../test/sweep/routes.ts";

// The route sweep: every route the app registers, read from Hono's own table, is called by user B with user A's
// ids (worker/test/sweep/routes.ts says how). B gets 404, or an answer with nothing of A's in it; afterwards
// every row of A's in D1 is as it was, and A's agent was sent nothing. A route the table does not know fails.

const TABLE_FILE = "worker/test/sweep/routes.ts";

/** "METHOD /path" for every handler the app registers; middleware (`use`, listed as ALL on `…/*`) is left out. */
function registeredRoutes(): string[] {
  const keys = app.routes.filter((r) => !(r.method === "ALL" && r.path.endsWith("*"))).map((r) => `${r.method} ${r.path}`);
  return [...new Set(keys)];
}

function pathOf(route: string, call: Call): string {
  const path = route.slice(route.indexOf(" ") + 1).replace(/:(\w+)/g, (_, name: string) => {
    const value = call.params?.[name];
    if (value === undefined) throw new Error(`${route}: the sweep's entry gives no value for :${name} (${TABLE_FILE})`);
    return encodeURIComponent(value);
  });
  return call.query ? `${path}?${call.query}` : path;
}

/** Sends one probe as `client`; returns what is wrong with the answer, or null. */
async function probe(client: TestClient, route: string, call: Probe, secrets: string[]): Promise<string | null> {
  const method = route.slice(0, route.indexOf(" "));
  const response = await client.request(method, pathOf(route, call), { json: call.json, ...(call.body !== undefined ? { body: call.body } : {}), ...(call.headers ? { headers: call.headers } : {}) });
  const text = await response.text();
  const said = `${method} ${pathOf(route, call)}${call.json === undefined ? "" : ` ${JSON.stringify(call.json)}`} → ${response.status} ${text.slice(0, 300)}`;
  const leaked = secrets.filter((secret) => text.includes(secret));
  if (leaked.length > 0) return `${said}\n    shows A's ${leaked.join(", ")}`;
  if (call.expect === "mine") return response.ok ? null : `${said}\n    expected a 2xx answer about B's own data`;
  const code = response.headers.get("content-type")?.includes("json") ? (JSON.parse(text) as { error?: { code?: string; message?: string } }).error : undefined;
  if (response.status !== call.expect.status || code?.code !== call.expect.code) return `${said}\n    expected ${call.expect.status} ${call.expect.code}`;
  // The app's catch-all 404 means the path never reached the route: the entry is wrong, not the route right.
  if (code?.message?.startsWith("There is no API route")) return `${said}\n    reached no route: fix its entry in ${TABLE_FILE}`;
  return null;
}

/** Every row of the user's in every D1 table with a user_id column, by table. New tables are included by themselves. */
async function rowsOf(userId: string): Promise<Record<string, unknown[]>> {
  // D1 refuses pragma_table_info, so the column is found in each table's CREATE statement.
  const tables = await env.DB.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY name").all<{ name: string; sql: string }>();
  const rows: Record<string, unknown[]> = {};
  for (const { name, sql } of tables.results.filter((t) => /[`"\s(]user_id[`"\s]/.test(t.sql))) {
    // A WITHOUT ROWID table (the activity rollups) has no rowid; it is read in its primary key's order.
    const order = /WITHOUT ROWID/i.test(sql) ? "" : " ORDER BY rowid";
    rows[name] = (await env.DB.prepare(`SELECT * FROM "${name}" WHERE user_id = ?${order}`).bind(userId).all()).results;
  }
  return rows;
}

/** A's things as A's app shows them (not the device list: an online device's last_seen_at is "now"; rowsOf has it). */
async function viewsOf(a: Owned): Promise<Record<string, string>> {
  const paths = [
    "/api/commands?limit=200",
    `/api/commands/${a.pendingCommandId}`,
    "/api/permissions",
    "/api/permission-requests",
    "/api/audit?limit=200",
    "/api/activities?limit=200",
    "/api/activities/export.csv",
    "/api/activities/retention",
    `/api/devices/${a.deviceId}/refused-activity`,
    "/api/ingest-tokens",
    "/api/notifications?limit=100",
    "/api/notifications/preferences",
    "/api/webhooks",
    `/api/webhooks/${a.webhookId}/deliveries`,
    "/api/chats",
    `/api/chats/${a.chatId}/messages`,
  ];
  const views: Record<string, string> = {};
  for (const path of paths) views[path] = await (await a.client.request("GET", path)).text();
  return views;
}

/** Waits until the relay has read everything sent on `socket` before now (frames are handled in order). */
async function caughtUp(socket: TestSocket): Promise<void> {
  const id = crypto.randomUUID();
  socket.send({ v: 1, type: "ping", id });
  await socket.next("pong", (f) => f.id === id);
}

describe("the route sweep: user B against user A's things", () => {
  let a: Owned;
  let b: Owned;
  const tabs: Record<"a" | "aOther" | "b", TestSocket | null> = { a: null, aOther: null, b: null };

  beforeAll(async () => {
    b = await ownEverything(await signedUp());
    const clientA = await signedUp();
    // Both users' tabs are open while A's things are made, so every live frame A's activity causes is sent.
    tabs.a = await openBrowserSocket(clientA);
    tabs.aOther = await openBrowserSocket(clientA);
    tabs.b = await openBrowserSocket(b.client);
    a = await ownEverything(clientA);
    tabs.a.send({ v: 1, type: "typing", id: crypto.randomUUID(), chat_id: a.chatId, typing: true });
    await tabs.aOther.next("typing");
  }, 60_000);

  it("knows how to call every route the app registers", () => {
    const known = new Set(Object.keys(ROUTES));
    const registered = registeredRoutes();
    const unknown = registered.filter((route) => !known.has(route));
    const stale = [...known].filter((route) => !registered.includes(route));
    const howTo = (route: string) =>
      `  "${route}": { probes: (a, b) => [gone({ params: { id: a.someId }, json: { … } })] },  // or mine({ … }) for the caller's own data, or { public: "why no session is needed" }`;
    expect(unknown, `The route sweep does not know ${unknown.length === 1 ? "this route" : "these routes"}. Add to ROUTES in ${TABLE_FILE}:\n${unknown.map(howTo).join("\n")}\n(give Owned in worker/test/sweep/fixture.ts the resource, made through the API, if it is new)`).toEqual([]);
    expect(stale, `ROUTES in ${TABLE_FILE} lists routes the app no longer has; remove them`).toEqual([]);
  });

  it("sends A's live frames to A's tabs only: B's tab hears nothing of A's commands, prompts, notifications, activity, chats or typing", async () => {
    if (!tabs.a || !tabs.b) throw new Error("tabs not open");
    await caughtUp(tabs.a);
    await caughtUp(tabs.b);
    // A's tab did hear each kind, so B's silence below means something.
    const heard = new Set(tabs.a.frames.map((f) => f.type));
    for (const type of ["agent_status", "command_update", "permission_prompt", "notification", "activity_stored", "turn"]) expect(heard, type).toContain(type);
    const secrets = secretsOf(a);
    const leaked = tabs.b.frames.filter((f) => secrets.some((secret) => JSON.stringify(f).includes(secret)));
    expect(leaked).toEqual([]);
    // B's tab heard only what every new tab hears of its own user (the device's status, the open prompt), and nothing since.
    const about = (f: Record<string, unknown>) => (f.device as { id?: string } | undefined)?.id ?? (f.request as { id?: string } | undefined)?.id;
    expect(tabs.b.frames.map((f) => `${f.type} ${about(f)}`).sort()).toEqual([`agent_status ${b.deviceId}`, `permission_prompt ${b.requestId}`, `permission_prompt ${b.agentRequestId}`].sort());
  });

  it("gives B a 404 or nothing of A's on every route, and leaves every row of A's as it was: no command of A's is released", async () => {
    const viewsBefore = await viewsOf(a);
    const rowsBefore = await rowsOf(a.userId);
    expect(rowsBefore.permission_requests).toContainEqual(expect.objectContaining({ id: a.requestId, status: "pending" }));
    expect(rowsBefore.permission_requests).toContainEqual(expect.objectContaining({ id: a.agentRequestId, status: "pending" }));
    const secrets = secretsOf(a);
    const problems: string[] = [];
    let probes = 0;
    for (const [route, entry] of Object.entries(ROUTES)) {
      if (!("probes" in entry)) continue;
      for (const call of entry.probes(a, b)) {
        probes += 1;
        const problem = await probe(b.client, route, call, secrets);
        if (problem) problems.push(problem);
      }
    }
    // Soft, so one run names every route at fault and also shows what reached A's rows and agent.
    expect.soft(problems, `B got at A's things on ${problems.length} of ${probes} calls`).toEqual([]);
    expect(probes).toBeGreaterThan(60);

    expect.soft(await rowsOf(a.userId)).toEqual(rowsBefore);
    expect.soft(await viewsOf(a)).toEqual(viewsBefore);
    // A's waiting write never reached A's agent, nor an answer to its own question (a ping last: it moves the
    // device's last_seen_at).
    await caughtUp(a.agent);
    expect(a.agent.frames.filter((f) => f.type === "command" || f.type === "permission_update"), "A's agent was told to go ahead").toEqual([]);
    for (const socket of [a.agent, b.agent, tabs.a, tabs.aOther, tabs.b]) socket?.close();
    // Some 80 calls, one after another: seconds on a busy machine.
  }, 30_000);
});
