import { afterEach, describe, expect, it } from "vitest";
import { fakePairingServer } from "../../test/fake-pairing.ts";
import { normalizeServer, pairDevice, PairError } from "./pair.ts";

const servers: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function pair(script: Parameters<typeof fakePairingServer>[0]) {
  const server = await fakePairingServer(script);
  servers.push(server);
  const notices: string[] = [];
  const result = pairDevice({
    server: server.url,
    device: { name: "laptop", platform: "linux-x64", agent_version: "0.1.0" },
    callbacks: { onCodes: () => {}, onNotice: (message) => notices.push(message) },
    slowDownSeconds: 0.25,
  });
  return { server, notices, result };
}

describe("pairing (RFC 8628 device flow)", () => {
  it("keeps polling while pending, and widens the interval on slow_down", async () => {
    const { server, notices, result } = await pair(["authorization_pending", "slow_down", "authorization_pending", "approve"]);
    expect(await result).toEqual({ token: "the-agent-token", device_id: "device-42", user_email: "me@example.com" });
    expect(server.devices).toEqual([{ name: "laptop", platform: "linux-x64", agent_version: "0.1.0" }]);
    expect(server.polls).toHaveLength(4);
    const gaps = server.polls.slice(1).map((at, i) => at - (server.polls[i] ?? 0));
    expect(gaps[0]).toBeLessThan(200);
    expect(gaps[1]).toBeGreaterThanOrEqual(280);
    expect(gaps[2]).toBeGreaterThanOrEqual(280);
    expect(notices.join("\n")).toContain("poll less often");
  });

  it("stops with a clear message on expired_token and access_denied", async () => {
    const expired = await pair(["authorization_pending", "expired_token"]);
    await expect(expired.result).rejects.toThrow(/expired.*hearth pair/);
    const denied = await pair(["access_denied"]);
    await expect(denied.result).rejects.toThrow(/denied in the browser/);
  });

  it("pairs without the install key when the server refuses it (expired, or already used), and says so in one line", async () => {
    const server = await fakePairingServer(["approve"], 0.05, { refuseInstallKeys: true });
    servers.push(server);
    const notices: string[] = [];
    const shown: string[] = [];
    const result = await pairDevice({
      server: server.url,
      device: { name: "laptop", platform: "linux-x64", agent_version: "0.1.0" },
      installKey: "k3y-0123456789abcdefghijklmnopqr",
      callbacks: { onCodes: (codes) => shown.push(codes.user_code), onNotice: (message) => notices.push(message) },
    });
    expect(result.device_id).toBe("device-42");
    expect(server.installKeys).toEqual(["k3y-0123456789abcdefghijklmnopqr", undefined]);
    expect(notices).toEqual(["This install line's key has expired or was already used, so the pairing goes on without it: approve the code below."]);
    expect(shown).toEqual(["ABCD-EFGH"]);
  });

  it("says when the server cannot be reached", async () => {
    const attempt = pairDevice({ server: "http://127.0.0.1:9", device: { name: "x", platform: "p", agent_version: "1" }, callbacks: { onCodes: () => {} } });
    await expect(attempt).rejects.toThrow(PairError);
    await expect(attempt).rejects.toThrow(/Cannot reach http:\/\/127\.0\.0\.1:9/);
  });

  it("normalizes server addresses and refuses other schemes", () => {
    expect(normalizeServer("hearth.example.com/")).toBe("https://hearth.example.com");
    expect(normalizeServer("http://localhost:8787/app")).toBe("http://localhost:8787");
    expect(() => normalizeServer("ftp://x")).toThrow(/https:\/\//);
  });
});
