import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { AgentLimits } from "#protocol";
import type { TestClient } from "../../test/client.ts";
import { connectAgent, openBrowserSocket, userWithDevice, TEST_CONNECTORS } from "../../test/sockets.ts";
import { SseReader } from "../../test/sse.ts";

// A command the agent would refuse for its own limits (its folders, its shell allowlist, its apps) is refused by
// the server at once, in the agent's words, and never prompted for: on POST /api/commands and in the chat.

const LIMITS: AgentLimits = {
  folders: { home: "/home/ada", relative_to: "/home/ada/Documents", roots: ["/home/ada/Documents", "/data/docs"], shown: ["~/Documents"] },
  shell_programs: null,
  apps: ["editor"],
  off: { shell: "The shell connector is off on this computer. To turn it on, list the programs it may run in shell.allow in /home/ada/.config/hearth/config.json." },
  config_path: "/home/ada/.config/hearth/config.json",
};

const CONNECTORS = [...TEST_CONNECTORS, { target: "apps", description: "Apps", actions: [{ action: "launch", description: "Start an app", read_only: false, parameters: { type: "object" } }] }];

async function pending(client: TestClient): Promise<unknown[]> {
  const body: { requests: unknown[] } = await (await client.request("GET", "/api/permission-requests?status=pending")).json();
  return body.requests;
}

const Refusal = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const errorOf = async (response: Response) => Refusal.parse(await response.json()).error;

async function dispatch(client: TestClient, deviceId: string, target: string, action: string, parameters: Record<string, unknown>) {
  return client.request("POST", "/api/commands", { json: { device_id: deviceId, command: { target, action, parameters } } });
}

describe("the agent's advertised limits", () => {
  it("refuse a command outside them at once, with the agent's message and no prompt", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket } = await connectAgent(token, deviceId, { limits: LIMITS, connectors: CONNECTORS });

    const outside = await dispatch(client, deviceId, "filesystem", "list", { path: "~/Documents/../secret" });
    expect(outside.status).toBe(400);
    expect(await outside.json()).toEqual({
      error: { code: "outside_roots", message: "~/secret is outside the folders this agent may use (~/Documents). To allow it, add its folder to filesystem.roots in config.json.", field: "command.parameters" },
    });
    // Relative paths start where the agent starts them; the real form of a root counts as inside.
    expect((await errorOf(await dispatch(client, deviceId, "filesystem", "read", { path: "../.ssh/id_ed25519" }))).message).toMatch(/^~\/\.ssh\/id_ed25519 is outside/);
    const app = await dispatch(client, deviceId, "apps", "launch", { name: "browser" });
    expect(await errorOf(app)).toMatchObject({ code: "invalid_parameters", message: expect.stringContaining('No application is called "browser". Known: editor.') });
    const shell = await dispatch(client, deviceId, "shell", "run", { program: "ls" });
    expect(await errorOf(shell)).toMatchObject({ code: "unknown_action", message: expect.stringContaining("The shell connector is off on this computer") });
    expect(await pending(client)).toEqual([]);

    // Inside the folders, the gate still asks as before.
    for (const path of ["taxes", "~/Documents/taxes", "/data/docs/2025"]) {
      const inside = await dispatch(client, deviceId, "filesystem", "write", { path, content: "x" });
      expect(inside.status, path).toBe(202);
    }
    expect(await pending(client)).toHaveLength(3);

    // The device page can show the folders.
    const devices: { devices: { folders: string[] | null }[] } = await (await client.request("GET", "/api/devices")).json();
    expect(devices.devices[0]?.folders).toEqual(["~/Documents"]);
    socket.close();
  });

  it("refuse in the chat too: the reply says why, and no permission prompt is raised", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket } = await connectAgent(token, deviceId, { limits: LIMITS });
    const browser = await openBrowserSocket(client);
    const chat: { chat: { id: string } } = await (await client.request("POST", "/api/chats", { json: {} })).json();
    const response = await client.request("POST", `/api/chats/${chat.chat.id}/messages`, { json: { content: "/ls /etc" } });
    const stream = new SseReader(response);
    const events = await stream.all();
    expect(events.map((event) => event.event)).not.toContain("permission");
    expect(stream.text()).toContain("/etc is outside the folders this agent may use (~/Documents)");
    expect(await pending(client)).toEqual([]);
    expect(browser.frames.filter((frame) => frame.type === "permission_prompt")).toEqual([]);
    socket.close();
    browser.close();
  });
});
