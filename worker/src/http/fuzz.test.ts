import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES } from "#protocol";
import { TestClient, uniqueEmail } from "../../../test/client.ts";
import { hostileBody } from "../../../test/fuzz.ts";
import { userWithDevice } from "../../../test/sockets.ts";

// The main POST routes under hostile bodies: no answer is a 500, and every refusal is JSON with a known code.
// Bounded: a few dozen runs per route keep the file well under 30 seconds.

const RUNS = 40;
const CODES: ReadonlySet<string> = new Set(ERROR_CODES);

type Route = { method: string; path: () => string; name?: string; valid: Record<string, unknown> };

let client: TestClient;
let chatId = "";
let deviceId = "";

beforeAll(async () => {
  const user = await userWithDevice();
  client = user.client;
  deviceId = user.deviceId;
  const created: { chat: { id: string } } = await (await client.request("POST", "/api/chats", { json: { title: "Fuzz" } })).json();
  chatId = created.chat.id;
});

const ROUTES: Route[] = [
  { method: "POST", path: () => "/api/auth/register", valid: { email: "fuzz@example.com", password: "a long fuzz password", name: "Fuzz" } },
  { method: "POST", path: () => "/api/auth/login", valid: { email: uniqueEmail("fuzz"), password: "wrong password here" } },
  { method: "POST", path: () => "/api/chats", valid: { title: "A chat" } },
  { method: "POST", path: () => `/api/chats/${chatId}/messages`, name: "/api/chats/:id/messages", valid: { content: "/help", tz_offset: 60 } },
  { method: "POST", path: () => "/api/commands", valid: { device_id: deviceId, command: { target: "filesystem", action: "list", parameters: { path: "~" } } } },
  {
    method: "POST",
    path: () => "/api/activities",
    valid: { events: [{ event_id: "fuzz-1", activity_type: "job", timestamp: "2026-11-01T10:00:00Z", application: "Chrome", details: { url: "https://jobs.example/1" } }] },
  },
  { method: "POST", path: () => "/api/activities/applications", valid: { company: "Acme", role: "Engineer", url: "https://jobs.example/2" } },
  { method: "POST", path: () => "/api/permissions", valid: { target: "filesystem", action: "read", scope: "~/Documents/**", effect: "allow" } },
  { method: "POST", path: () => "/api/permission-requests/not-a-request/decision", valid: { decision: "allow_once" } },
  { method: "POST", path: () => "/api/notifications/read", valid: { ids: ["x"] } },
  { method: "PUT", path: () => "/api/notifications/preferences", valid: { quiet_hours: { enabled: true, start: "22:00", end: "07:00" } } },
  { method: "POST", path: () => "/api/webhooks", valid: { url: "https://hooks.example/in", kinds: [] } },
  { method: "POST", path: () => "/api/pair/approve", valid: { user_code: "ABCD-EFGH" } },
];

async function expectHandled(response: Response, route: string): Promise<void> {
  expect(response.status, route).toBeLessThan(500);
  const text = await response.text();
  if (response.status < 400) return;
  const body: unknown = JSON.parse(text);
  const code = typeof body === "object" && body !== null && "error" in body && typeof body.error === "object" && body.error !== null && "code" in body.error ? body.error.code : null;
  expect(typeof code === "string" && CODES.has(code), `${route} answered ${response.status} ${text.slice(0, 200)}`).toBe(true);
}

describe("the API under hostile bodies", () => {
  for (const route of ROUTES) {
    it(`${route.method} ${route.name ?? route.path()} never answers 500, and refuses in JSON with a known code`, { timeout: 30_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(hostileBody(route.valid), fc.constantFrom("application/json", "application/json", "text/plain", "application/x-www-form-urlencoded"), async (body, type) => {
          const response = await client.request(route.method, route.path(), { body, headers: { "content-type": type } });
          await expectHandled(response, `${route.method} ${route.path()} with ${JSON.stringify(body.slice(0, 80))}`);
        }),
        { numRuns: RUNS },
      );
    });
  }
});
