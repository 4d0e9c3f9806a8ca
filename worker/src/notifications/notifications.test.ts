import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { NotificationPreferences, NotificationRule, NotificationView } from "#protocol";
import { TestClient, errorOf } from "../../../test/client.ts";
import { connectAgent, openBrowserSocket, userWithDevice } from "../../../test/sockets.ts";
import type { TestSocket } from "../../../test/sockets.ts";

// Notifications through the real worker, relay and D1: sources fire their rules, the bell's count moves live on
// the user's sockets, buttons act in place, quiet hours hold and then deliver, and users see only their own.

type Page = { notifications: NotificationView[]; next_before: string | null; unread: number };

async function list(client: TestClient, query = ""): Promise<Page> {
  const response = await client.request("GET", `/api/notifications${query}`);
  expect(response.status).toBe(200);
  return response.json();
}

async function preferences(client: TestClient): Promise<NotificationPreferences> {
  return (await client.request("GET", "/api/notifications/preferences")).json();
}

/** Changes one kind's rule, keeping the rest. */
async function setRule(client: TestClient, kind: NotificationRule["kind"], change: Partial<NotificationRule>) {
  const rule = (await preferences(client)).rules.find((r) => r.kind === kind);
  const response = await client.request("PUT", "/api/notifications/preferences", { json: { rules: [{ ...rule, ...change }] } });
  expect(response.status).toBe(200);
}

async function userIdOf(client: TestClient): Promise<string> {
  const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
  return me.user.id;
}

/** Tells the relay what the tab shows (null: hidden), and waits until it has read it (frames are read in order). */
async function view(tab: TestSocket, path: string | null): Promise<void> {
  tab.send({ v: 1, type: "viewing", id: crypto.randomUUID(), path });
  const ping = crypto.randomUUID();
  tab.send({ v: 1, type: "ping", id: ping });
  await tab.next("pong", (f) => f.id === ping);
}

async function firstRuleId(client: TestClient): Promise<string | undefined> {
  const { permissions }: { permissions: { id: string }[] } = await (await client.request("GET", "/api/permissions")).json();
  return permissions[0]?.id;
}

/** A command the agent reports failed. */
async function failedCommand(client: TestClient, agent: TestSocket, deviceId: string): Promise<string> {
  await client.request("POST", "/api/permissions", { json: { target: "filesystem", action: "*", effect: "allow" } });
  const response = await client.request("POST", "/api/commands", { json: { device_id: deviceId, command: { target: "filesystem", action: "read", parameters: { path: "~/gone.txt" } } } });
  const { command }: { command: { id: string } } = await response.json();
  await agent.next("command", (f) => f.id === command.id);
  agent.send({ v: 1, type: "result", id: crypto.randomUUID(), command_id: command.id, outcome: { status: "failed", error: { code: "not_found", message: "~/gone.txt does not exist" } }, started_at: Date.now(), finished_at: Date.now() });
  return command.id;
}

describe("notifications", () => {
  it("tells the user a command failed, live, with the bell's count; Retry runs it again; reading clears the count in every tab", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket: agent } = await connectAgent(token, deviceId);
    const tab = await openBrowserSocket(client);
    const other = await openBrowserSocket(client);

    const commandId = await failedCommand(client, agent, deviceId);
    const live = await tab.next("notification");
    expect(live).toMatchObject({ unread: 1, notification: { kind: "command_failed", priority: "normal", title: "Failed: filesystem.read", actions: [{ id: "retry", label: "Retry" }], source: { type: "command", id: commandId } } });
    expect((live.notification as NotificationView).body).toContain("~/gone.txt does not exist");
    const page = await list(client);
    expect(page.unread).toBe(1);
    expect(page.notifications.map((n) => n.kind)).toEqual(["command_failed"]);

    // Retry from the notification: a new command goes to the agent, and the notification is read everywhere.
    const retried = await client.request("POST", `/api/notifications/${page.notifications[0]?.id}/actions/retry`);
    expect(await retried.json()).toEqual({ message: "Retrying filesystem.read." });
    const again = await agent.next("command");
    expect(again.id).not.toBe(commandId);
    expect(await other.next("notifications_changed")).toMatchObject({ unread: 0 });
    expect((await list(client)).unread).toBe(0);

    // A finished command, when the user turned that rule on, is a low-priority notice; "mark all read" clears it.
    await setRule(client, "command_finished", { enabled: true });
    agent.send({ v: 1, type: "result", id: crypto.randomUUID(), command_id: again.id, outcome: { status: "done", data: "hello" }, started_at: Date.now(), finished_at: Date.now() });
    expect(await tab.next("notification", (f) => (f.notification as NotificationView).kind === "command_finished")).toMatchObject({ unread: 1, notification: { priority: "low" } });
    const read = await client.request("POST", "/api/notifications/read", { json: {} });
    expect(await read.json()).toEqual({ read: 1, unread: 0 });
    for (const socket of [agent, tab, other]) socket.close();
  });

  it("asks for a permission with Allow and Deny buttons, and Allow lets the waiting command through", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket: agent } = await connectAgent(token, deviceId);
    const response = await client.request("POST", "/api/commands", { json: { device_id: deviceId, command: { target: "filesystem", action: "write", parameters: { path: "~/notes.txt", content: "hi" } } } });
    const { command }: { command: { id: string; status: string } } = await response.json();
    expect(command.status).toBe("awaiting_permission");

    const [notice] = (await list(client)).notifications;
    expect(notice).toMatchObject({ kind: "permission_requested", priority: "high", title: "Permission needed: filesystem.write", actions: [{ id: "approve" }, { id: "deny" }] });
    const approved = await client.request("POST", `/api/notifications/${notice?.id}/actions/approve`);
    expect(await approved.json()).toEqual({ message: "Allowed once: filesystem.write." });
    expect((await agent.next("command")).id).toBe(command.id);

    // The request is answered: pressing a button again says so instead of acting twice.
    const twice = await client.request("POST", `/api/notifications/${notice?.id}/actions/deny`);
    expect(twice.status).toBe(409);
    expect((await errorOf(twice)).message).toBe("This was already answered. Allowed once: filesystem.write.");
    agent.close();
  });

  it("settles a permission request's notification when it is answered elsewhere: read, no buttons, the outcome in every tab", async () => {
    const { client, deviceId } = await userWithDevice();
    const tab = await openBrowserSocket(client);
    await client.request("POST", "/api/commands", { json: { device_id: deviceId, command: { target: "filesystem", action: "write", parameters: { path: "~/x.txt", content: "x" } } } });
    await expect.poll(async () => (await list(client)).unread).toBe(1);
    const [notice] = (await list(client)).notifications;
    const answered = await client.request("POST", `/api/permission-requests/${notice?.source?.id}/decision`, { json: { decision: "deny" } });
    expect(answered.status).toBe(200);
    // Settled before the answer returns: a reload right away already shows the outcome, not live buttons.
    const [settled] = (await list(client)).notifications;
    expect(settled).toMatchObject({ id: notice?.id, actions: [], outcome: "Denied: filesystem.write.", read_at: expect.any(Number) });
    expect((await list(client)).unread).toBe(0);
    expect(await tab.next("notifications_changed", (f) => f.outcome !== undefined)).toMatchObject({ ids: [notice?.id], outcome: "Denied: filesystem.write.", unread: 0 });
    // Its old button is refused with the outcome, never acts.
    const late = await client.request("POST", `/api/notifications/${notice?.id}/actions/approve`);
    expect(late.status).toBe(409);
    expect((await errorOf(late)).message).toBe("This was already answered. Denied: filesystem.write.");
    tab.close();
  });

  it("keeps routine successes quiet by default: a finished command raises no notification", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket: agent } = await connectAgent(token, deviceId);
    const tab = await openBrowserSocket(client);
    await client.request("POST", "/api/permissions", { json: { target: "filesystem", action: "*", effect: "allow" } });
    const response = await client.request("POST", "/api/commands", { json: { device_id: deviceId, command: { target: "filesystem", action: "list", parameters: { path: "~" } } } });
    const { command }: { command: { id: string } } = await response.json();
    await agent.next("command", (f) => f.id === command.id);
    agent.send({ v: 1, type: "result", id: crypto.randomUUID(), command_id: command.id, outcome: { status: "done", data: [] }, started_at: Date.now(), finished_at: Date.now() });
    await tab.next("command_update", (f) => (f.command as { status: string }).status === "done");
    // A failure afterwards is the first notification the tab hears: the success before it raised none.
    await failedCommand(client, agent, deviceId);
    expect(await tab.next("notification")).toMatchObject({ notification: { kind: "command_failed" }, unread: 1 });
    expect((await list(client)).notifications.map((n) => n.kind)).toEqual(["command_failed"]);
    agent.close();
    tab.close();
  });

  it("does not count or toast what a visible tab is showing: it is stored read; a hidden tab still hears it unread", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket: agent } = await connectAgent(token, deviceId);
    const tab = await openBrowserSocket(client);
    await view(tab, `/settings/devices/${deviceId}`);
    await failedCommand(client, agent, deviceId);
    expect(await tab.next("notification")).toMatchObject({ notification: { kind: "command_failed", read_at: expect.any(Number) }, unread: 0 });
    // A permission request is on every page (the prompt): seen wherever the visible tab is.
    await view(tab, "/dashboard");
    await client.request("DELETE", `/api/permissions/${(await firstRuleId(client)) ?? ""}`);
    await client.request("POST", "/api/commands", { json: { device_id: deviceId, command: { target: "filesystem", action: "write", parameters: { path: "~/y.txt", content: "y" } } } });
    expect(await tab.next("notification", (f) => (f.notification as NotificationView).kind === "permission_requested")).toMatchObject({ notification: { read_at: expect.any(Number) }, unread: 0 });
    // The tab is hidden: the next failure is unread, and would toast.
    await view(tab, null);
    await failedCommand(client, agent, deviceId);
    expect(await tab.next("notification", (f) => (f.notification as NotificationView).kind === "command_failed")).toMatchObject({ notification: { read_at: null }, unread: 1 });
    agent.close();
    tab.close();
  });

  it("follows the rules: off stays silent, and a large transaction needs the threshold", async () => {
    const client = new TestClient();
    await client.register();
    await setRule(client, "large_transaction", { threshold: 250 });
    const event = (n: number, amount: number) => ({ event_id: `t-${n}`, activity_type: "financial", timestamp: new Date().toISOString(), application: "Bank", details: { amount, currency: "USD", merchant: `Shop ${n}` } });
    await client.request("POST", "/api/activities", { json: { events: [event(1, -100), event(2, -300), event(3, 1200)] } });
    await expect.poll(async () => (await list(client)).notifications.map((n) => n.title).sort()).toEqual(["Large deposit: $1,200.00", "Large payment: $300.00"]);

    // Silence can only be seen once the relay has handled the payment, in the background. A job application in the
    // same batch is told after the batch's transactions, so once its notice is there the payment has had its turn.
    await setRule(client, "large_transaction", { enabled: false });
    await setRule(client, "job_application", { enabled: true });
    const application = { event_id: "j-1", activity_type: "job", timestamp: "2026-11-20T11:00:00Z", application: "Chrome", details: { company: "Acme", role: "Engineer" } };
    await client.request("POST", "/api/activities", { json: { events: [event(4, -5000), application] } });
    await expect.poll(async () => (await list(client)).notifications.map((n) => n.kind)).toContain("job_application");
    expect((await list(client)).notifications.map((n) => n.title).sort()).toEqual(["Application recorded: Acme", "Large deposit: $1,200.00", "Large payment: $300.00"]);
  });

  it("holds non-urgent notifications in quiet hours and delivers them when they end; urgent ones go through", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket: agent } = await connectAgent(token, deviceId);
    const tab = await openBrowserSocket(client);
    // Quiet around the clock (UTC): from this minute to the same minute.
    const now = new Date();
    const hhmm = (d: Date) => `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`;
    const quiet = { enabled: true, start: hhmm(new Date(now.getTime() - 60 * 60_000)), end: hhmm(new Date(now.getTime() + 60 * 60_000)), time_zone: "UTC" };
    expect((await client.request("PUT", "/api/notifications/preferences", { json: { quiet_hours: quiet } })).status).toBe(200);

    await failedCommand(client, agent, deviceId);
    await client.request("GET", "/api/notifications");
    expect(await list(client)).toMatchObject({ notifications: [], unread: 0 });

    // An urgent rule is not held.
    await setRule(client, "command_finished", { enabled: true, priority: "urgent" });
    const response = await client.request("POST", "/api/commands", { json: { device_id: deviceId, command: { target: "filesystem", action: "list", parameters: { path: "~" } } } });
    const { command }: { command: { id: string } } = await response.json();
    await agent.next("command", (f) => f.id === command.id);
    agent.send({ v: 1, type: "result", id: crypto.randomUUID(), command_id: command.id, outcome: { status: "done", data: [] }, started_at: Date.now(), finished_at: Date.now() });
    expect(await tab.next("notification")).toMatchObject({ notification: { kind: "command_finished", priority: "urgent" }, unread: 1 });

    // Quiet hours end (the user turns them off; the relay's alarm sends the digest): the held one arrives.
    await client.request("PUT", "/api/notifications/preferences", { json: { quiet_hours: { ...quiet, enabled: false } } });
    await runDurableObjectAlarm(env.RELAY.getByName(await userIdOf(client)));
    expect(await tab.next("notifications_changed")).toMatchObject({ unread: 2 });
    expect((await list(client)).notifications.map((n) => n.kind)).toEqual(["command_finished", "command_failed"]);
    agent.close();
    tab.close();
  });

  it("tells the user when an agent stays offline past the rule's minutes", async () => {
    const { client, token, deviceId } = await userWithDevice();
    await setRule(client, "agent_offline", { threshold: 0 });
    const { socket: agent } = await connectAgent(token, deviceId);
    agent.close();
    await agent.waitClosed();
    const relay = env.RELAY.getByName(await userIdOf(client));
    await expect
      .poll(async () => {
        await runDurableObjectAlarm(relay);
        return (await list(client)).notifications.map((n) => n.title);
      })
      .toEqual(["Test laptop is offline"]);
  });

  it("validates preferences, and keeps each user's notifications their own", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const badZone = await client.request("PUT", "/api/notifications/preferences", { json: { quiet_hours: { enabled: true, start: "22:00", end: "07:00", time_zone: "Mars/Olympus" } } });
    expect(await errorOf(badZone)).toMatchObject({ field: "quiet_hours.time_zone" });
    const badTime = await client.request("PUT", "/api/notifications/preferences", { json: { quiet_hours: { enabled: true, start: "10pm", end: "07:00", time_zone: "UTC" } } });
    expect(await errorOf(badTime)).toMatchObject({ field: "quiet_hours.start", message: expect.stringMatching(/HH:MM/) });

    const { socket: agent } = await connectAgent(token, deviceId);
    await failedCommand(client, agent, deviceId);
    await expect.poll(async () => (await list(client)).notifications.length).toBe(1);
    const [mine] = (await list(client)).notifications;
    const stranger = new TestClient();
    await stranger.register();
    expect(await list(stranger)).toMatchObject({ notifications: [], unread: 0 });
    expect((await stranger.request("POST", `/api/notifications/${mine?.id}/dismiss`)).status).toBe(404);
    expect((await stranger.request("POST", `/api/notifications/${mine?.id}/actions/retry`)).status).toBe(404);
    expect((await stranger.request("POST", "/api/notifications/read", { json: { ids: [mine?.id] } })).status).toBe(200);
    expect((await list(client)).unread).toBe(1);

    expect((await client.request("POST", `/api/notifications/${mine?.id}/dismiss`)).status).toBe(200);
    expect(await list(client)).toMatchObject({ notifications: [], unread: 0 });
    expect((await list(client, "?state=dismissed")).notifications.map((n) => n.id)).toEqual([mine?.id]);
    agent.close();
  });
});
