import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { errorOf, TestClient } from "../../../test/client.ts";
import { openAgentResponse, pairDevice } from "../../../test/sockets.ts";
import { hashToken } from "../auth/tokens.ts";

const INFO = { name: "Ada's laptop", platform: "linux", agent_version: "0.1.0" };

async function start(agent = new TestClient()) {
  const response = await agent.request("POST", "/api/pair/start", { json: INFO });
  expect(response.status).toBe(200);
  const body: { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; expires_in: number; interval: number } =
    await response.json();
  return { agent, ...body };
}

const poll = (agent: TestClient, device_code: string) => agent.request("POST", "/api/pair/token", { json: { device_code } });

describe("pairing (device flow)", () => {
  it("gives the agent a short code and a URL, then a token once the user approves", async () => {
    const user = new TestClient();
    await user.register();
    const flow = await start();
    expect(flow.user_code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect(flow.verification_uri).toBe("http://hearth.test/pair");
    expect(flow.verification_uri_complete).toBe(`http://hearth.test/pair?code=${flow.user_code}`);
    expect(flow.expires_in).toBe(600);

    const pending = await poll(flow.agent, flow.device_code);
    expect(pending.status).toBe(400);
    expect((await errorOf(pending)).code).toBe("authorization_pending");

    // Loosely typed codes are the same code.
    const lookup = await user.request("GET", `/api/pair/lookup?user_code=${encodeURIComponent(flow.user_code.toLowerCase().replace("-", " "))}`);
    expect(lookup.status).toBe(200);
    expect(await lookup.json()).toMatchObject({ name: INFO.name, platform: "linux", user_code: flow.user_code });

    expect((await user.request("POST", "/api/pair/approve", { json: { user_code: flow.user_code } })).status).toBe(200);
    const granted = await poll(flow.agent, flow.device_code);
    expect(granted.status).toBe(200);
    const body: { token: string; device_id: string; user_email: string } = await granted.json();
    expect(body.token.length).toBeGreaterThan(30);

    // D1 keeps only the token's hash, and the token works exactly once to collect.
    const row = await env.DB.prepare("SELECT token_hash FROM devices WHERE id = ?").bind(body.device_id).first<{ token_hash: string }>();
    expect(row?.token_hash).toBe(await hashToken(body.token));
    const again = await poll(flow.agent, flow.device_code);
    expect((await errorOf(again)).code).toBe("expired_token");

    const devices: { devices: { id: string; name: string; status: string }[] } = await (await user.request("GET", "/api/devices")).json();
    expect(devices.devices).toEqual([expect.objectContaining({ id: body.device_id, name: INFO.name, status: "offline" })]);
  });

  it("shows where the request was started from, and whether that is the approving browser's network", async () => {
    const user = new TestClient();
    await user.register();
    const agent = new TestClient();
    const started = await agent.request("POST", "/api/pair/start", { json: INFO, headers: { "cf-connecting-ip": "198.51.100.23" } });
    const { user_code }: { user_code: string } = await started.json();

    const lookUp = (ip: string) => user.request("GET", `/api/pair/lookup?user_code=${user_code}`, { headers: { "cf-connecting-ip": ip } });
    const elsewhere: { started_at: number } = await (await lookUp("203.0.113.9")).json();
    expect(elsewhere).toMatchObject({ started_from: { ip: "198.51.100.23", place: null }, same_network: false });
    expect(elsewhere.started_at).toBeGreaterThan(Date.now() - 60_000);
    expect(await (await lookUp("198.51.100.23")).json()).toMatchObject({ same_network: true });
  });

  it("never calls an unknown start address the same network", async () => {
    const user = new TestClient();
    await user.register();
    const { user_code } = await start();
    const lookup = await (await user.request("GET", `/api/pair/lookup?user_code=${user_code}`)).json();
    expect(lookup).toMatchObject({ started_from: { ip: null }, same_network: false });
  });

  it("tells a fast poller to slow down", async () => {
    const flow = await start();
    await poll(flow.agent, flow.device_code);
    expect((await errorOf(await poll(flow.agent, flow.device_code))).code).toBe("slow_down");
  });

  it("reports a denied pairing to the agent", async () => {
    const user = new TestClient();
    await user.register();
    const flow = await start();
    expect((await user.request("POST", "/api/pair/deny", { json: { user_code: flow.user_code } })).status).toBe(200);
    expect((await errorOf(await poll(flow.agent, flow.device_code))).code).toBe("access_denied");
  });

  it("expires codes after 10 minutes", async () => {
    const user = new TestClient();
    await user.register();
    const flow = await start();
    await env.DB.prepare("UPDATE pairing_codes SET expires_at = ? WHERE device_code_hash = ?").bind(Date.now() - 1, await hashToken(flow.device_code)).run();
    const approve = await user.request("POST", "/api/pair/approve", { json: { user_code: flow.user_code } });
    expect(approve.status).toBe(404);
    expect((await errorOf(approve)).code).toBe("invalid_code");
    expect((await errorOf(await poll(flow.agent, flow.device_code))).code).toBe("expired_token");
  });

  it("allows a few wrong codes, then refuses even the right one for a while", async () => {
    const user = new TestClient();
    await user.register();
    const flow = await start();
    for (let i = 0; i < 5; i++) {
      const wrong = await user.request("POST", "/api/pair/approve", { json: { user_code: "ZZZZ-ZZZZ" } });
      expect(wrong.status).toBe(404);
    }
    const locked = await user.request("POST", "/api/pair/approve", { json: { user_code: flow.user_code } });
    expect(locked.status).toBe(429);
    expect(locked.headers.get("retry-after")).toBe("600");
  });

  it("needs a signed-in user to approve, and a well-formed code", async () => {
    const flow = await start();
    expect((await new TestClient().request("POST", "/api/pair/approve", { json: { user_code: flow.user_code } })).status).toBe(401);
    const user = new TestClient();
    await user.register();
    const short = await user.request("POST", "/api/pair/approve", { json: { user_code: "ABC" } });
    expect(await errorOf(short)).toMatchObject({ code: "validation_failed", field: "user_code" });
  });
});

describe("agent sockets", () => {
  it("refuse a missing, wrong or revoked token before the upgrade", async () => {
    const missing = await new TestClient().request("GET", "/api/agent", { headers: { upgrade: "websocket" } });
    expect(missing.status).toBe(401);
    expect((await errorOf(missing)).code).toBe("agent_token_invalid");
    expect((await openAgentResponse("not-a-token")).status).toBe(401);

    const user = new TestClient();
    await user.register();
    const { token, deviceId } = await pairDevice(user);
    expect((await user.request("DELETE", `/api/devices/${deviceId}`)).status).toBe(200);
    const revoked = await openAgentResponse(token);
    expect(revoked.status).toBe(401);
    expect(revoked.webSocket).toBeNull();
  });
});
