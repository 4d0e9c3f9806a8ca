import { describe, expect, it } from "vitest";
import type { TestClient } from "../../test/client.ts";
import { connectAgent, openBrowserSocket, userWithDevice } from "../../test/sockets.ts";

type View = { id: string; status: string; error?: { code: string } };
type Request = { id: string; status: string; command_id: string | null; context: string; decision: string | null };

async function dispatch(client: TestClient, deviceId: string, action: string, path: string): Promise<View> {
  const response = await client.request("POST", "/api/commands", { json: { device_id: deviceId, command: { target: "filesystem", action, parameters: { path } } } });
  expect(response.status).toBe(202);
  return ((await response.json()) as { command: View }).command;
}

async function decide(client: TestClient, requestId: string, decision: string, scope?: string | null) {
  return client.request("POST", `/api/permission-requests/${requestId}/decision`, { json: { decision, ...(scope === undefined ? {} : { scope }) } });
}

async function rules(client: TestClient) {
  return ((await (await client.request("GET", "/api/permissions")).json()) as { permissions: { target: string; action: string; scope: string | null; expires_at: number | null; effect: string }[] }).permissions;
}

describe("the permission gate", () => {
  it("asks the user about an uncovered command, and 'Allow once' lets just that one through", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket } = await connectAgent(token, deviceId);
    const browser = await openBrowserSocket(client);

    const cmd = await dispatch(client, deviceId, "write", "~/notes.txt");
    expect(cmd.status).toBe("awaiting_permission");
    const prompt = await browser.next("permission_prompt");
    const request = prompt.request as Request;
    expect(request).toMatchObject({ status: "pending", command_id: cmd.id, context: expect.stringContaining("filesystem.write on ~/notes.txt") });
    const pending: { requests: Request[] } = await (await client.request("GET", "/api/permission-requests?status=pending")).json();
    expect(pending.requests.map((r) => r.id)).toEqual([request.id]);
    expect(socket.frames.filter((f) => f.type === "command")).toHaveLength(0);

    const answer = await decide(client, request.id, "allow_once");
    expect(answer.status).toBe(200);
    const delivered = await socket.next("command");
    expect(delivered).toMatchObject({ id: cmd.id, approval: { kind: "once" } });
    await browser.next("permission_prompt", (f) => (f.request as Request).status === "allowed");
    expect(await rules(client)).toEqual([]);

    // Answering again is refused; the next write asks again.
    expect((await decide(client, request.id, "deny")).status).toBe(409);
    expect((await dispatch(client, deviceId, "write", "~/notes.txt")).status).toBe("awaiting_permission");
    socket.close();
    browser.close();
  });

  it("remembers 'Always allow' and 'Allow for 1 hour' as rules", async () => {
    const { client, deviceId } = await userWithDevice();
    const browser = await openBrowserSocket(client);
    await dispatch(client, deviceId, "write", "~/a");
    const first = (await browser.next("permission_prompt")).request as Request;
    await decide(client, first.id, "allow_always");
    expect((await dispatch(client, deviceId, "write", "~/b")).status).toBe("queued");

    await dispatch(client, deviceId, "read", "~/c");
    const second = (await browser.next("permission_prompt", (f) => (f.request as Request).status === "pending")).request as Request;
    const before = Date.now();
    await decide(client, second.id, "allow_1h");
    const hourly = (await rules(client)).find((r) => r.action === "read");
    expect(hourly?.expires_at).toBeGreaterThanOrEqual(before + 59 * 60_000);
    expect(hourly?.expires_at).toBeLessThanOrEqual(Date.now() + 60 * 60_000);
    browser.close();
  });

  it("stops applying a rule the moment it is removed, and applies a new one at once", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket } = await connectAgent(token, deviceId);
    const added = await client.request("POST", "/api/permissions", { json: { target: "filesystem", action: "write", effect: "allow" } });
    const rule = ((await added.json()) as { permission: { id: string } }).permission;
    expect((await dispatch(client, deviceId, "write", "~/a.txt")).status).toBe("sent");

    expect((await client.request("DELETE", `/api/permissions/${rule.id}`)).status).toBe(200);
    expect((await dispatch(client, deviceId, "write", "~/b.txt")).status).toBe("awaiting_permission");

    await client.request("POST", "/api/permissions", { json: { target: "filesystem", action: "write", effect: "deny" } });
    const refused = await dispatch(client, deviceId, "write", "~/c.txt");
    expect(refused).toMatchObject({ status: "failed", error: { code: "permission_denied" } });
    socket.close();
  });

  it("fails a denied command and never sends it", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket } = await connectAgent(token, deviceId);
    const browser = await openBrowserSocket(client);
    const cmd = await dispatch(client, deviceId, "write", "~/x");
    const request = (await browser.next("permission_prompt")).request as Request;
    await decide(client, request.id, "deny");
    const record: { command: View } = await (await client.request("GET", `/api/commands/${cmd.id}`)).json();
    expect(record.command).toMatchObject({ status: "failed", error: { code: "denied_by_user" } });
    socket.send({ v: 1, type: "ping", id: "sync" });
    await socket.next("pong", (f) => f.id === "sync");
    expect(socket.frames.filter((f) => f.type === "command")).toHaveLength(0);
    socket.close();
    browser.close();
  });

  it("lets a deny rule beat any allow, and scopes rules by path", async () => {
    const { client, deviceId } = await userWithDevice();
    const add = (rule: Record<string, unknown>) => client.request("POST", "/api/permissions", { json: rule });
    expect((await add({ target: "filesystem", action: "*", effect: "allow" })).status).toBe(201);
    expect((await add({ target: "filesystem", action: "read", scope: "~/Secrets/**", effect: "deny" })).status).toBe(201);
    expect((await dispatch(client, deviceId, "read", "~/Documents/a.txt")).status).toBe("queued");
    const denied = await dispatch(client, deviceId, "read", "~/Secrets/keys/id_rsa");
    expect(denied).toMatchObject({ status: "failed", error: { code: "permission_denied" } });
  });

  it("uses a one-time rule once", async () => {
    const { client, deviceId } = await userWithDevice();
    await client.request("POST", "/api/permissions", { json: { target: "filesystem", action: "write", effect: "allow", one_time: true } });
    expect((await dispatch(client, deviceId, "write", "~/1")).status).toBe("queued");
    expect((await dispatch(client, deviceId, "write", "~/2")).status).toBe("awaiting_permission");
    expect(await rules(client)).toEqual([]);
  });

  it("validates rules: unknown names, past expiry, another user's device", async () => {
    const { client } = await userWithDevice();
    const bad = await client.request("POST", "/api/permissions", { json: { target: "File System", action: "*", effect: "allow" } });
    expect(bad.status).toBe(400);
    const past = await client.request("POST", "/api/permissions", { json: { target: "*", action: "*", effect: "allow", expires_at: 1000 } });
    expect(past.status).toBe(400);
    const other = await userWithDevice();
    const foreign = await client.request("POST", "/api/permissions", { json: { target: "*", action: "*", effect: "allow", device_id: other.deviceId } });
    expect(foreign.status).toBe(404);
  });

  it("carries the agent's own permission request to the browser and the answer back", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket } = await connectAgent(token, deviceId);
    const browser = await openBrowserSocket(client);
    socket.send({ v: 1, type: "permission_request", id: "ask-1", target: "filesystem", action: "trash", context: "A local script wants to trash ~/old.log", one_time: true, command_id: null, parameters: { path: "~/old.log" } });
    const prompt = (await browser.next("permission_prompt")).request as Request;
    expect(prompt).toMatchObject({ status: "pending", context: "A local script wants to trash ~/old.log", command_id: null });
    await decide(client, prompt.id, "allow_once");
    expect(await socket.next("permission_update")).toMatchObject({ ref: "ask-1", decision: "allow_once" });
    socket.close();
    browser.close();
  });

  it("grants 'Always allow' on a folder's list for that folder and below, not for everything", async () => {
    const { client, deviceId } = await userWithDevice();
    const browser = await openBrowserSocket(client);
    await dispatch(client, deviceId, "list", "~/Documents");
    const asked = (await browser.next("permission_prompt")).request as Request;
    const answer = await decide(client, asked.id, "allow_always");
    expect(await answer.json()).toMatchObject({ request: { status: "allowed", decision: "allow_always", granted_scope: "~/Documents/**" } });
    expect(await rules(client)).toEqual([expect.objectContaining({ target: "filesystem", action: "list", scope: "~/Documents/**", expires_at: null })]);
    expect((await dispatch(client, deviceId, "list", "~/Documents")).status).toBe("queued");
    expect((await dispatch(client, deviceId, "list", "~/Documents/taxes")).status).toBe("queued");
    // Outside the folder, and a folder whose name only starts the same, still ask.
    expect((await dispatch(client, deviceId, "list", "~/Pictures")).status).toBe("awaiting_permission");
    expect((await dispatch(client, deviceId, "list", "~/Documents-old")).status).toBe("awaiting_permission");
    browser.close();
  });

  it("stores exactly the scope the user chose, and refuses one that does not cover the request", async () => {
    const { client, deviceId } = await userWithDevice();
    const browser = await openBrowserSocket(client);
    await dispatch(client, deviceId, "read", "~/Documents/taxes/2025.pdf");
    const asked = (await browser.next("permission_prompt")).request as Request;

    const wrong = await decide(client, asked.id, "allow_always", "~/Pictures/**");
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: { code: "validation_failed", field: "scope", message: expect.stringContaining("does not cover ~/Documents/taxes/2025.pdf") } });
    expect(await rules(client)).toEqual([]);

    // The prompt's wider choice, "its parent": granted as chosen, for an hour.
    const wider = await decide(client, asked.id, "allow_1h", "~/Documents/**");
    expect(wider.status).toBe(200);
    expect(await rules(client)).toEqual([expect.objectContaining({ action: "read", scope: "~/Documents/**", expires_at: expect.any(Number) })]);
    expect((await dispatch(client, deviceId, "read", "~/Documents/notes.txt")).status).toBe("queued");
    expect((await dispatch(client, deviceId, "read", "~/Downloads/x.txt")).status).toBe("awaiting_permission");

    // "Everything" is a choice too, when the user makes it.
    const next = (await browser.next("permission_prompt", (f) => (f.request as Request).status === "pending" && (f.request as Request).context.includes("Downloads"))).request as Request;
    expect((await decide(client, next.id, "allow_always", null)).status).toBe(200);
    expect((await rules(client)).find((r) => r.scope === null)).toMatchObject({ action: "read", expires_at: null });
    browser.close();
  });
});
