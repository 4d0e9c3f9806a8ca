import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { errorOf, ORIGIN, TestClient } from "../../../test/client.ts";
import { connectAgent, openAgentResponse, openBrowserSocket, pairDevice, TEST_CONNECTORS, TestSocket } from "../../../test/sockets.ts";
import { app } from "../app.ts";

// The agent's own questions (`hearth status`, `doctor`, `update`, `uninstall`), with its token, and the
// "update available" the device page shows. The pool's assets hold a stand-in build offering agent 0.2.0.

const asAgent = (method: string, token: string) => new TestClient().request(method, "/api/agent/device", { headers: { authorization: `Bearer ${token}` } });

async function pairedUser() {
  const client = new TestClient();
  const { email } = await client.register();
  return { client, email, ...(await pairDevice(client)) };
}

/** An agent socket that says hello as `version` (what an updated agent does when it reconnects). */
async function connectAs(token: string, deviceId: string, version: string): Promise<TestSocket> {
  const response = await openAgentResponse(token);
  if (!response.webSocket) throw new Error(`agent socket refused: ${response.status}`);
  const socket = new TestSocket(response.webSocket);
  socket.send({ v: 1, type: "hello", id: crypto.randomUUID(), device_id: deviceId, agent_version: version, platform: "linux", connectors: TEST_CONNECTORS });
  await socket.next("welcome");
  return socket;
}

type Device = { id: string; agent_version: string; latest_agent_version: string | null; update_available: boolean; status: string };
async function devicesOf(client: TestClient): Promise<Device[]> {
  const body: { devices: Device[] } = await (await client.request("GET", "/api/devices")).json();
  return body.devices;
}
const online = (f: { [key: string]: unknown }) => typeof f.device === "object" && f.device !== null && "status" in f.device && f.device.status === "online";

describe("GET /api/agent/device", () => {
  it("tells the agent its device, account, the version the server offers and the server's clock", async () => {
    const { email, token, deviceId } = await pairedUser();
    const before = Date.now();
    const response = await asAgent("GET", token);
    expect(response.status).toBe(200);
    const body: { server_time: number } = await response.json();
    expect(body).toEqual({ device_id: deviceId, name: "Test laptop", user_email: email, agent_version: "0.1.0", latest_version: "0.2.0", server_time: expect.any(Number) });
    expect(body.server_time).toBeGreaterThanOrEqual(before);
    expect(body.server_time).toBeLessThanOrEqual(Date.now());
  });

  it("answers 401 unauthorized, saying to pair again, without a valid agent token (a session is not one)", async () => {
    const { client } = await pairedUser();
    for (const response of [await asAgent("GET", "not-a-token"), await new TestClient().request("GET", "/api/agent/device"), await client.request("GET", "/api/agent/device")]) {
      expect(response.status).toBe(401);
      expect(await errorOf(response)).toMatchObject({ code: "unauthorized", message: expect.stringContaining("hearth pair") });
    }
  });
});

describe("DELETE /api/agent/device", () => {
  it("revokes the device: its token is dead at once, its live socket is closed with 4001, and the page shows it revoked", async () => {
    const { client, token, deviceId } = await pairedUser();
    const { socket } = await connectAgent(token, deviceId);
    const response = await asAgent("DELETE", token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ revoked: true });
    expect((await socket.waitClosed()).code).toBe(4001);

    expect((await asAgent("GET", token)).status).toBe(401);
    expect((await asAgent("DELETE", token)).status).toBe(401);
    expect((await openAgentResponse(token)).status).toBe(401);
    expect(await devicesOf(client)).toEqual([expect.objectContaining({ id: deviceId, status: "revoked", update_available: false })]);
  });

  it("revokes only the caller's own device", async () => {
    const a = await pairedUser();
    const b = await pairedUser();
    expect((await asAgent("DELETE", b.token)).status).toBe(200);
    expect(await devicesOf(a.client)).toEqual([expect.objectContaining({ id: a.deviceId, status: "offline" })]);
    expect((await asAgent("GET", a.token)).status).toBe(200);
  });
});

describe("update available", () => {
  it("is shown for an agent older than the server's build, and no longer once it says hello as that version", async () => {
    const { client, token, deviceId } = await pairedUser();
    expect(await devicesOf(client)).toEqual([expect.objectContaining({ agent_version: "0.1.0", latest_agent_version: "0.2.0", update_available: true })]);

    // An open tab hears it too, live: first as the device is now, then when the updated agent reconnects.
    const tab = await openBrowserSocket(client);
    expect(await tab.next("agent_status")).toMatchObject({ device: { id: deviceId, latest_agent_version: "0.2.0", update_available: true } });
    const agent = await connectAs(token, deviceId, "0.2.0");
    expect(await tab.next("agent_status", online)).toMatchObject({ device: { agent_version: "0.2.0", update_available: false } });
    expect(await devicesOf(client)).toEqual([expect.objectContaining({ agent_version: "0.2.0", latest_agent_version: "0.2.0", update_available: false })]);
    agent.close();
    tab.close();

    // A newer agent than the build (a developer's) is not offered a downgrade.
    const dev = await connectAs(token, deviceId, "0.3.0-dev.1");
    expect(await devicesOf(client)).toEqual([expect.objectContaining({ agent_version: "0.3.0-dev.1", update_available: false })]);
    dev.close();
  });

  it("is never shown when the server has no agent build", async () => {
    const { client } = await pairedUser();
    const noBuild: Fetcher = {
      fetch: async () => new Response("Not Found", { status: 404 }),
      connect: () => {
        throw new Error("the assets binding has no sockets");
      },
    };
    const response = await app.request(`${ORIGIN}/api/devices`, { headers: { cookie: client.cookie ?? "" } }, { ...env, ASSETS: noBuild });
    const { devices }: { devices: Device[] } = await response.json();
    expect(devices).toEqual([expect.objectContaining({ latest_agent_version: null, update_available: false })]);
  });
});
