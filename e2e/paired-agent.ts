import { expect } from "@playwright/test";
import type { Page } from "@playwright/test";
import { AgentProcess } from "./agent-process.ts";

/**
 * Pairs a real `hearth` agent with the signed-in user of `page` (approving its code through the API) and starts
 * it; resolves once it is connected, with the process and the device's id. The agent's home is its files root.
 * `beforeStart` may lay out files or rewrite config.json first; `env` is added to the started agent's environment.
 */
export async function pairAndStart(
  page: Page,
  baseURL: string,
  name: string,
  options: { beforeStart?: (agent: AgentProcess) => void; env?: Record<string, string> } = {},
): Promise<{ agent: AgentProcess; deviceId: string }> {
  const agent = new AgentProcess();
  agent.run(["pair", "--server", baseURL, "--name", name], { HOME: agent.root });
  const [userCode] = await agent.waitFor(/[A-Z0-9]{4}-[A-Z0-9]{4}/);
  const approved = await page.request.post("/api/pair/approve", { data: { user_code: userCode }, headers: { origin: baseURL } });
  expect(approved.status()).toBe(200);
  expect(await agent.exited()).toBe(0);
  options.beforeStart?.(agent);
  agent.run(["start"], { HOME: agent.root, ...options.env });
  await agent.waitFor(/Connected to/);
  const listed = await page.request.get("/api/devices");
  const { devices }: { devices: { id: string; name: string }[] } = await listed.json();
  const device = devices.find((d) => d.name === name);
  if (!device) throw new Error(`the paired device "${name}" is not in GET /api/devices`);
  return { agent, deviceId: device.id };
}
