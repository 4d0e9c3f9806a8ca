import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { NotificationView } from "#protocol";
import { errorOf, PASSWORD, TestClient } from "../../../test/client.ts";
import { connectAgent, openBrowserSocket, userWithDevice } from "../../../test/sockets.ts";
import { hashToken } from "./tokens.ts";

/** Moves the session's last proof an hour back, as if the user signed in long ago. */
async function ageProof(client: TestClient): Promise<void> {
  await env.DB.prepare("UPDATE sessions SET proved_at = ? WHERE id = ?").bind(Date.now() - 60 * 60_000, await hashToken(client.token)).run();
}

/** A command waiting for permission, with its request (and the agent, which gets the command once approved). */
async function waitingCommand(action: "write" | "list") {
  const { client, token, deviceId } = await userWithDevice();
  const { socket: agent } = await connectAgent(token, deviceId);
  const browser = await openBrowserSocket(client);
  const response = await client.request("POST", "/api/commands", { json: { device_id: deviceId, command: { target: "filesystem", action, parameters: { path: "~/notes.txt" } } } });
  const { command }: { command: { id: string; status: string } } = await response.json();
  expect(command.status).toBe("awaiting_permission");
  const prompt = await browser.next("permission_prompt");
  const request = prompt.request as { id: string };
  return { client, agent, commandId: command.id, requestId: request.id };
}

const decide = (client: TestClient, id: string, decision: string) => client.request("POST", `/api/permission-requests/${id}/decision`, { json: { decision } });

describe("step-up for approvals", () => {
  it("asks for a fresh proof to approve a write, releases nothing until then, and approves after a step-up", async () => {
    const { client, agent, commandId, requestId } = await waitingCommand("write");
    await ageProof(client);
    const refused = await decide(client, requestId, "allow_once");
    expect(refused.status).toBe(403);
    const body: { error: { code: string; methods: string[] } } = await refused.json();
    expect(body.error).toMatchObject({ code: "step_up_required", methods: ["password"] });
    expect(agent.frames.filter((f) => f.type === "command")).toHaveLength(0);

    const wrong = await client.request("POST", "/api/auth/step-up", { json: { method: "password", password: "not the password" } });
    expect(wrong.status).toBe(401);
    expect((await client.request("POST", "/api/auth/step-up", { json: { method: "password", password: PASSWORD } })).status).toBe(200);
    expect((await decide(client, requestId, "allow_once")).status).toBe(200);
    expect(await agent.next("command")).toMatchObject({ id: commandId });
  });

  it("keeps a read-only approval and any denial to one click", async () => {
    const { client, agent, commandId, requestId } = await waitingCommand("list");
    await ageProof(client);
    expect((await decide(client, requestId, "allow_once")).status).toBe(200);
    expect(await agent.next("command")).toMatchObject({ id: commandId });

    const write = await waitingCommand("write");
    await ageProof(write.client);
    expect((await decide(write.client, write.requestId, "deny")).status).toBe(200);
  });

  it("guards a notification's approve button the same way", async () => {
    const { client, agent, requestId } = await waitingCommand("write");
    await ageProof(client);
    const page: { notifications: NotificationView[] } = await (await client.request("GET", "/api/notifications")).json();
    const notification = page.notifications.find((n) => n.source?.type === "permission_request" && n.source.id === requestId);
    if (!notification) throw new Error("no permission notification");
    const refused = await client.request("POST", `/api/notifications/${notification.id}/actions/approve`);
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toMatchObject({ code: "step_up_required" });
    expect(agent.frames.filter((f) => f.type === "command")).toHaveLength(0);
    await client.request("POST", "/api/auth/step-up", { json: { method: "password", password: PASSWORD } });
    expect((await client.request("POST", `/api/notifications/${notification.id}/actions/approve`)).status).toBe(200);
  });

  it("honours a per-target window from the settings", async () => {
    const { client, requestId } = await waitingCommand("write");
    expect((await client.request("PUT", "/api/auth/security", { json: { step_up_minutes: { filesystem: 60 } } })).status).toBe(200);
    await env.DB.prepare("UPDATE sessions SET proved_at = ? WHERE id = ?").bind(Date.now() - 30 * 60_000, await hashToken(client.token)).run();
    expect((await decide(client, requestId, "allow_once")).status).toBe(200);
  });
});

describe("step-up for pairing", () => {
  it("asks for a fresh proof before a computer is added, so an old session opened by a phishing link cannot", async () => {
    const client = new TestClient();
    await client.register();
    await ageProof(client);
    const agent = new TestClient();
    const start: { user_code: string; device_code: string } = await (await agent.request("POST", "/api/pair/start", { json: { name: "Attacker", platform: "linux", agent_version: "0.1.0" } })).json();
    const refused = await client.request("POST", "/api/pair/approve", { json: { user_code: start.user_code } });
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toMatchObject({ code: "step_up_required" });
    expect(await errorOf(await agent.request("POST", "/api/pair/token", { json: { device_code: start.device_code } }))).toMatchObject({ code: "authorization_pending" });

    await client.request("POST", "/api/auth/step-up", { json: { method: "password", password: PASSWORD } });
    expect((await client.request("POST", "/api/pair/approve", { json: { user_code: start.user_code } })).status).toBe(200);
  });
});
