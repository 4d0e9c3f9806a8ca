import { describe, expect, it } from "vitest";
import { connectAgent, openBrowserSocket, userWithDevice } from "../../test/sockets.ts";

describe("isolation between users", () => {
  it("never lets user B's agent or browser see user A's commands, and B cannot touch A's things", async () => {
    const a = await userWithDevice();
    const b = await userWithDevice();
    await a.client.request("POST", "/api/permissions", { json: { target: "*", action: "*", effect: "allow" } });
    const agentA = await connectAgent(a.token, a.deviceId);
    const agentB = await connectAgent(b.token, b.deviceId);
    const browserB = await openBrowserSocket(b.client);
    await browserB.next("agent_status"); // B's own device

    const response = await a.client.request("POST", "/api/commands", { json: { device_id: a.deviceId, command: { target: "filesystem", action: "list", parameters: { path: "~" } } } });
    const { command } = (await response.json()) as { command: { id: string } };
    expect((await agentA.socket.next("command")).id).toBe(command.id);
    agentA.socket.send({ v: 1, type: "result", id: "r", command_id: command.id, outcome: { status: "done", data: [] }, started_at: 1, finished_at: 2 });
    await agentA.socket.next("ack");

    // B's sockets saw nothing of it (a round trip on each proves they are caught up).
    agentB.socket.send({ v: 1, type: "ping", id: "b" });
    await agentB.socket.next("pong");
    browserB.send({ v: 1, type: "ping", id: "b" });
    await browserB.next("pong");
    expect(agentB.socket.frames.filter((f) => f.type === "command")).toEqual([]);
    expect(browserB.frames.filter((f) => f.type === "command_update" || f.type === "agent_status")).toEqual([]);

    // B cannot read, retry, or dispatch to A's things, nor revoke A's device.
    expect((await b.client.request("GET", `/api/commands/${command.id}`)).status).toBe(404);
    expect((await b.client.request("POST", `/api/commands/${command.id}/retry`)).status).toBe(404);
    const list: { commands: unknown[] } = await (await b.client.request("GET", "/api/commands")).json();
    expect(list.commands).toEqual([]);
    const toA = await b.client.request("POST", "/api/commands", { json: { device_id: a.deviceId, command: { target: "filesystem", action: "list", parameters: {} } } });
    expect(toA.status).toBe(404);
    expect((await b.client.request("DELETE", `/api/devices/${a.deviceId}`)).status).toBe(404);
    const devices: { devices: { id: string }[] } = await (await b.client.request("GET", "/api/devices")).json();
    expect(devices.devices.map((d) => d.id)).toEqual([b.deviceId]);
    const audit: { entries: { command_id: string | null }[] } = await (await b.client.request("GET", "/api/audit")).json();
    expect(audit.entries.some((e) => e.command_id === command.id)).toBe(false);

    agentA.socket.close();
    agentB.socket.close();
    browserB.close();
  });
});
