import { readFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import type { APIRequestContext, Page } from "@playwright/test";
import { AgentProcess } from "./agent-process.ts";

const PASSWORD = "a long and sturdy password";

type Command = { id: string; status: string; result?: unknown; error?: { code: string; message: string } };

/** Same-origin API calls from the signed-in page's context (the CSRF guard wants our Origin). */
function api(page: Page, baseURL: string) {
  const request: APIRequestContext = page.request;
  const headers = { origin: baseURL };
  return {
    get: async <T>(path: string): Promise<T> => (await request.get(path)).json(),
    post: async <T>(path: string, data: unknown): Promise<{ status: number; body: T }> => {
      const response = await request.post(path, { data, headers });
      return { status: response.status(), body: await response.json() };
    },
  };
}

test("killing the agent mid-command loses nothing and runs no write twice", async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  const client = api(page, baseURL);

  await page.goto("/register");
  await page.getByLabel("Email").fill(`crash-${Date.now()}@example.com`);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Chat", level: 1 })).toBeVisible();

  // Pair a real agent process.
  const agent = new AgentProcess();
  agent.run(["pair", "--server", baseURL, "--name", "Crash test"]);
  const [userCode] = await agent.waitFor(/[A-Z0-9]{4}-[A-Z0-9]{4}/);
  expect((await client.post("/api/pair/approve", { user_code: userCode })).status).toBe(200);
  expect(await agent.exited()).toBe(0);

  writeFileSync(join(agent.root, "slow.txt"), "read me once");
  const target = join(agent.root, "written.txt");
  expect((await client.post("/api/permissions", { target: "filesystem", action: "*", effect: "allow" })).status).toBe(201);

  // Each command pauses after it is marked running, so both are mid-flight when the agent dies.
  agent.run(["start", "--json"], { HEARTH_DEBUG_ACTION_DELAY_MS: "60000" });
  await expect.poll(async () => (await client.get<{ devices: { status: string }[] }>("/api/devices")).devices[0]?.status, { timeout: 30_000 }).toBe("online");
  const { devices } = await client.get<{ devices: { id: string }[] }>("/api/devices");
  const deviceId = devices[0]?.id;
  const dispatch = async (action: string, parameters: Record<string, string>) =>
    (await client.post<{ command: Command }>("/api/commands", { device_id: deviceId, command: { target: "filesystem", action, parameters } })).body.command;
  const read = await dispatch("read", { path: join(agent.root, "slow.txt") });
  const write = await dispatch("write", { path: target, content: "written once" });
  const status = async (id: string) => (await client.get<{ command: Command }>(`/api/commands/${id}`)).command;
  for (const id of [read.id, write.id]) await expect.poll(async () => (await status(id)).status, { timeout: 15_000 }).toBe("acked");
  // Both must be marked running before the kill: the agent logs `command.started` for each (its start-up warning
  // also says "running", so only these log lines count).
  const started = (id: string) => new RegExp(`"event":"command\\.started"[^\\n]*"command_id":"${id}"`);
  for (const id of [read.id, write.id]) await agent.waitFor(started(id), 10_000);

  agent.kill("SIGKILL");
  await agent.exited();
  await expect.poll(async () => (await client.get<{ devices: { status: string }[] }>("/api/devices")).devices[0]?.status, { timeout: 15_000 }).toBe("offline");

  // Back up, without the pause: the read runs again and completes; the write is reported, never re-run.
  agent.run(["start", "--json"]);
  await expect.poll(async () => (await status(read.id)).status, { timeout: 30_000 }).toBe("done");
  await expect.poll(async () => (await status(write.id)).status, { timeout: 30_000 }).toBe("failed");
  expect(JSON.stringify((await status(read.id)).result)).toContain("read me once");
  expect((await status(write.id)).error?.code).toBe("interrupted");
  expect(existsSync(target)).toBe(false);

  // Each finished exactly once in the audit log.
  const audit = await client.get<{ entries: { kind: string; command_id: string | null }[] }>("/api/audit?limit=200");
  expect(audit.entries.filter((e) => e.command_id === read.id && e.kind === "command.done")).toHaveLength(1);
  expect(audit.entries.filter((e) => e.command_id === write.id && e.kind === "command.failed")).toHaveLength(1);

  // Retrying the write is a new command, which runs once.
  const retry = await client.post<{ command: Command }>(`/api/commands/${write.id}/retry`, {});
  expect(retry.status).toBe(202);
  await expect.poll(async () => (await status(retry.body.command.id)).status, { timeout: 30_000 }).toBe("done");
  expect(readFileSync(target, "utf8")).toBe("written once");

  agent.kill("SIGTERM");
  await agent.exited();
});
