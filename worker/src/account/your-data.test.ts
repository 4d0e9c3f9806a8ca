import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { strFromU8, unzipSync } from "fflate";
import { describe, expect, inject, it, vi } from "vitest";
import { errorOf, PASSWORD, TestClient } from "../../../test/client.ts";
import { connectAgent, openBrowserSocket, pairDevice } from "../../../test/sockets.ts";
import { SseReader } from "../../../test/sse.ts";
import { enrolTotp } from "../../../test/totp.ts";
import { userColumns } from "./delete-account.ts";

// "Your data": the archive, and deleting the account with nothing of it left behind.

const receiver = inject("webhookReceiverUrl");
const CONFIRM = "delete my account";

const coffee = (n: number) => ({
  event_id: `coffee-${n}-${crypto.randomUUID()}`,
  activity_type: "financial",
  timestamp: "2026-10-20T08:30:00Z",
  application: "Bank",
  description: `=Coffee ${n}`,
  details: { amount: -4.5, currency: "USD", merchant: "Blue Bottle", category: "eating out" },
});

async function ok(response: Response, status = 200): Promise<Response> {
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${await response.text()}`);
  return response;
}

/** A user with something in every part of Hearth: sessions, a paired agent, chats, activity, webhooks, rules… */
async function fullAccount() {
  const client = new TestClient();
  const { email } = await client.register();
  const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
  const userId = me.user.id;
  // A second session from a new browser (and its "new sign-in" notification), and a failed sign-in.
  await ok(await new TestClient().request("POST", "/api/auth/login", { json: { email, password: PASSWORD }, headers: { "user-agent": "Firefox/128.0" } }));
  await ok(await new TestClient().request("POST", "/api/auth/login", { json: { email, password: "wrong password" } }), 401);

  const device = await pairDevice(client);
  const { socket: agent } = await connectAgent(device.token, device.deviceId);
  // A command that waits for permission: a command row, a permission request, its notification, audit lines.
  await ok(await client.request("POST", "/api/commands", { json: { device_id: device.deviceId, command: { target: "filesystem", action: "write", parameters: { path: "~/a.txt", content: "x" } } } }), 202);
  await ok(await client.request("POST", "/api/permissions", { json: { target: "filesystem", action: "list", effect: "allow" } }), 201);
  await ok(await client.request("POST", "/api/activities", { json: { events: [coffee(1), coffee(2)] } }), 200);
  await ok(await client.request("POST", "/api/ingest-tokens", { json: { name: "Zapier" } }), 201);
  await ok(await client.request("POST", "/api/webhooks", { json: { url: `${receiver}/hook`, kinds: [] } }), 201);
  // A wrong pairing code counts against the user.
  await client.request("GET", "/api/pair/lookup?user_code=AAAA-AAAA");
  // A chat turn: messages, and the assistant's checkpoints (keyed by the reply, not the user).
  const chat: { chat: { id: string } } = await (await ok(await client.request("POST", "/api/chats", { json: {} }), 201)).json();
  const turn = await ok(await client.request("POST", `/api/chats/${chat.chat.id}/messages`, { json: { content: "/help" } }));
  await new SseReader(turn).all();
  // A pending email change.
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await ok(await client.request("POST", "/api/account/email", { json: { current_password: PASSWORD, new_email: `moving-${crypto.randomUUID()}@example.com` } }), 202);
  log.mockRestore();
  return { client, email, userId, device, agent, chatId: chat.chat.id };
}

/** Rows per (table, column) that hold this user's id. */
async function rowsOf(userId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { table, column } of await userColumns(env.DB)) {
    const row = await env.DB.prepare(`SELECT count(*) AS n FROM "${table}" WHERE "${column}" = ?`).bind(userId).first<{ n: number }>();
    counts[`${table}.${column}`] = row?.n ?? 0;
  }
  return counts;
}

/** Every row anywhere in D1 whose text mentions one of these values (ids, the email), by table. */
async function mentions(values: string[]): Promise<Record<string, number>> {
  const { results: tables } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND sql NOT LIKE 'CREATE VIRTUAL%'").all<{ name: string }>();
  const found: Record<string, number> = {};
  for (const { name } of tables) {
    const { results: columns } = await env.DB.prepare(`PRAGMA table_info("${name}")`).all<{ name: string }>();
    const where = (column: string) => values.map(() => `instr(CAST("${column}" AS TEXT), ?) > 0`).join(" OR ");
    const counts = await env.DB.batch<{ n: number }>(columns.map((c) => env.DB.prepare(`SELECT count(*) AS n FROM "${name}" WHERE ${where(c.name)}`).bind(...values)));
    const row = { n: counts.reduce((sum, answer) => sum + (answer.results[0]?.n ?? 0), 0) };
    if (row?.n) found[name] = row.n;
  }
  return found;
}

describe("exporting your data", () => {
  it("downloads one zip with a JSON file per resource and the activity as CSV, without secrets or anyone else's data", async () => {
    const { client, email } = await fullAccount();
    const { secret: totpSecret, recoveryCodes } = await enrolTotp(client);
    const other = new TestClient();
    await other.register();
    await ok(await other.request("POST", "/api/activities", { json: { events: [{ ...coffee(9), description: "Someone else's tea" }] } }));

    const response = await ok(await client.request("GET", "/api/account/export"));
    expect(response.headers.get("content-type")).toBe("application/zip");
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="hearth-export-\d{4}-\d{2}-\d{2}\.zip"$/);
    const files = unzipSync(new Uint8Array(await response.arrayBuffer()));
    const names = Object.keys(files).map((name) => name.replace("hearth-export/", ""));
    for (const expected of ["README.txt", "account.json", "sessions.json", "known-browsers.json", "devices.json", "commands.json", "permissions.json", "permission-requests.json", "audit.json", "chats.json", "messages.json", "activity.json", "activity.csv", "notifications.json", "notification-preferences.json", "ingest-tokens.json", "webhooks.json", "authenticator-app.json", "passkeys.json", "security-settings.json"]) {
      expect(names).toContain(expected);
    }
    const read = (name: string) => strFromU8(files[`hearth-export/${name}`] ?? new Uint8Array());
    const json = (name: string): Record<string, unknown>[] => JSON.parse(read(name));

    expect(json("account.json")).toEqual([expect.objectContaining({ email })]);
    expect(json("devices.json")).toEqual([expect.objectContaining({ name: "Test laptop" })]);
    expect(json("activity.json")).toHaveLength(2);
    expect(json("messages.json").map((m) => m.content)).toContain("/help");
    expect(json("webhooks.json")).toEqual([expect.objectContaining({ url: `${receiver}/hook` })]);
    expect(json("sessions.json")).toHaveLength(2);
    expect(json("authenticator-app.json")).toEqual([expect.objectContaining({ confirmedAt: expect.any(Number) })]);
    expect(json("security-settings.json")).toEqual([expect.objectContaining({ requireSecondFactor: true })]);
    const csv = read("activity.csv").split("\r\n");
    expect(csv[0]).toMatch(/^timestamp,activity_type,/);
    expect(csv.filter((line) => line.includes("'=Coffee"))).toHaveLength(2);

    const everything = Object.keys(files).map(read).join("\n");
    for (const secret of ["passwordHash", "password_hash", "pbkdf2", "tokenHash", "token_hash", "\"secret\"", "whsec_"]) expect(everything).not.toContain(secret);
    for (const secret of [totpSecret, ...recoveryCodes]) expect(everything).not.toContain(secret);
    expect(everything).not.toContain("Someone else's tea");
  });
});

describe("deleting the account", () => {
  it("refuses a wrong password or a missing confirmation, and deletes nothing", async () => {
    const client = new TestClient();
    await client.register();
    const wrong = await client.request("DELETE", "/api/account", { json: { current_password: "not it", confirm: CONFIRM } });
    expect(await errorOf(wrong)).toMatchObject({ code: "invalid_credentials", field: "current_password" });
    const unconfirmed = await client.request("DELETE", "/api/account", { json: { current_password: PASSWORD, confirm: "yes" } });
    expect(await errorOf(unconfirmed)).toMatchObject({ code: "validation_failed", field: "confirm" });
    expect((await client.request("GET", "/api/auth/me")).status).toBe(200);
  });

  it("leaves nothing of the user in D1 or the relay, tells the agent, and leaves another user untouched", async () => {
    const a = await fullAccount();
    const b = await fullAccount();
    const browser = await openBrowserSocket(a.client);
    const replyIds = (await env.DB.prepare("SELECT id FROM messages WHERE user_id = ? AND role = 'assistant'").bind(a.userId).all<{ id: string }>()).results.map((r) => r.id);
    expect(replyIds.length).toBeGreaterThan(0);

    // The fixture reaches most of the schema, so "nothing left" below is not vacuous.
    const before = await rowsOf(a.userId);
    const filled = Object.entries(before).filter(([, n]) => n > 0).map(([key]) => key);
    expect(filled).toEqual(expect.arrayContaining(["sessions.user_id", "known_browsers.user_id", "devices.user_id", "commands.user_id", "permissions.user_id", "permission_requests.user_id", "audit_log.user_id", "chats.user_id", "messages.user_id", "activities.user_id", "ingest_tokens.user_id", "notifications.user_id", "webhook_endpoints.user_id", "pair_failures.user_id", "email_changes.user_id"]));
    const checkpointsOf = async (ids: string[]) => (await env.DB.prepare(`SELECT count(*) AS n FROM checkpoints WHERE thread_id IN (${ids.map(() => "?").join(",")})`).bind(...ids.map((id) => `turn:${id}`)).first<{ n: number }>())?.n;
    expect(await checkpointsOf(replyIds)).toBeGreaterThan(0);
    const bBefore = await rowsOf(b.userId);

    const response = await a.client.request("DELETE", "/api/account", { json: { current_password: PASSWORD, confirm: "Delete my account" } });
    expect(response.status).toBe(200);

    // The connected agent is told it was unpaired (and so exits), and the tab's socket closes.
    await a.agent.waitClosed();
    expect(a.agent.closed?.code).toBe(4002);
    await browser.waitClosed();

    // D1: no row in any table with a user column, no checkpoint of theirs, no sign-in failure under their email,
    // and no text anywhere that mentions their id, email, device or chat.
    expect(Object.entries(await rowsOf(a.userId)).filter(([, n]) => n > 0)).toEqual([]);
    expect(await checkpointsOf(replyIds)).toBe(0);
    expect(await mentions([a.userId, a.email, a.device.deviceId, a.chatId, ...replyIds])).toEqual({});

    // The relay's Durable Object: no stored row and no alarm.
    const stub = env.RELAY.getByName(a.userId);
    const left = await runInDurableObject(stub, async (_relay, state) => {
      const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").toArray();
      const rows = tables.map(({ name }) => state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM "${name}"`).one().n).reduce((sum, n) => sum + n, 0);
      return { rows, alarm: await state.storage.getAlarm() };
    });
    expect(left).toEqual({ rows: 0, alarm: null });

    // Signed out, and the account is gone: the password no longer signs in; the agent's token no longer connects.
    expect((await a.client.request("GET", "/api/auth/me")).status).toBe(401);
    expect((await new TestClient().request("POST", "/api/auth/login", { json: { email: a.email, password: PASSWORD } })).status).toBe(401);
    await expect(connectAgent(a.device.token, a.device.deviceId)).rejects.toThrow(/401/);

    // The other user is untouched.
    expect(await rowsOf(b.userId)).toEqual(bBefore);
    expect((await b.client.request("GET", "/api/auth/me")).status).toBe(200);
  });
});
