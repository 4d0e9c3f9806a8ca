import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TestClient } from "../../../test/client.ts";
import { API_SECURITY_HEADERS, HSTS } from "./headers.ts";

function expectSecurityHeaders(response: Response) {
  for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) expect(response.headers.get(name), name).toBe(value);
  expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
}

describe("security headers on the API", () => {
  it("are on answers, errors and refusals, with HSTS only over https", async () => {
    const health = await exports.default.fetch("http://hearth.test/api/health");
    expectSecurityHeaders(health);
    expect(health.headers.get("strict-transport-security")).toBeNull();

    const missing = await exports.default.fetch("http://hearth.test/api/nothing-here");
    expect(missing.status).toBe(404);
    expectSecurityHeaders(missing);

    const unauthorised = await new TestClient().request("GET", "/api/devices");
    expect(unauthorised.status).toBe(401);
    expectSecurityHeaders(unauthorised);

    const secure = await exports.default.fetch("https://hearth.test/api/health");
    expectSecurityHeaders(secure);
    expect(secure.headers.get("strict-transport-security")).toBe(HSTS);
  });

  it("keep a route's own policy (an action page's) and reach a streamed answer from the relay", async () => {
    const page = await exports.default.fetch("http://hearth.test/api/actions");
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(page.headers.get("content-security-policy")).toMatch(/^default-src 'none'; style-src 'sha256-/);
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");

    const client = new TestClient();
    await client.register();
    const created = await client.request("POST", "/api/chats", { json: { title: "Headers" } });
    const { chat }: { chat: { id: string } } = await created.json();
    const turn = await client.request("POST", `/api/chats/${chat.id}/messages`, { json: { content: "/help" } });
    expect(turn.headers.get("content-type")).toMatch(/text\/event-stream/);
    expectSecurityHeaders(turn);
    await turn.text();
  });
});
