import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import type { Page } from "@playwright/test";
import WebSocket from "ws";
import { PORTS } from "../playwright.config.ts";

// The machine link end to end: the real `hearth` agent process, the real worker and relay under `wrangler dev`,
// and the browser in between. Each test pairs its own agent, in its own temporary home and folder.

const SERVER = `http://localhost:${PORTS.app}`;
const AGENT_BIN = join(import.meta.dirname, "..", "agent", "bin", "hearth.mjs");
const PASSWORD = "a long and sturdy password";
let counter = 0;
const newEmail = () => `link-${Date.now()}-${++counter}@example.com`;

/** One run of the `hearth` CLI, with its output collected so the test can wait for lines. */
class AgentProcess {
  readonly child: ChildProcess;
  output = "";
  readonly exited: Promise<number | null>;

  constructor(args: string[], home: string) {
    this.child = spawn(process.execPath, [AGENT_BIN, ...args], {
      env: { ...process.env, HEARTH_HOME: home, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout?.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  /** Waits until the output matches, and returns the match. */
  async waitFor(pattern: RegExp, timeout = 20_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const match = pattern.exec(this.output);
      if (match) return match;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`The agent never printed ${pattern}${this.child.exitCode !== null ? ` (it exited with ${this.child.exitCode})` : ""}. Its output:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Asks the agent to stop, and resolves once it has exited (it may still be writing its state until then). */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    await this.exited;
  }
}

/** A temporary agent home (config pointing at a temporary folder with known files) and the processes run in it. */
class Machine {
  readonly dir = mkdtempSync(join(tmpdir(), "hearth-e2e-"));
  readonly home = join(this.dir, "home");
  readonly root = join(this.dir, "files");
  readonly processes: AgentProcess[] = [];

  constructor() {
    mkdirSync(this.home, { recursive: true });
    mkdirSync(join(this.root, "receipts"), { recursive: true });
    writeFileSync(join(this.root, "budget-2026.csv"), "month,spent\n");
    writeFileSync(join(this.root, "cover-letter.md"), "# Hello\n");
    // Only the temporary folder is shared, and the local endpoint takes any free port, so runs never collide.
    writeFileSync(join(this.home, "config.json"), JSON.stringify({ filesystem: { roots: [this.root] }, local_endpoint: { port: 0 } }));
  }

  run(...args: string[]): AgentProcess {
    const agent = new AgentProcess(args, this.home);
    this.processes.push(agent);
    return agent;
  }

  async cleanUp(): Promise<void> {
    await Promise.all(this.processes.map((agent) => agent.stop()));
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 5 });
  }
}

let machine: Machine;
test.beforeEach(() => {
  machine = new Machine();
});
test.afterEach(async () => machine.cleanUp());

async function register(page: Page) {
  await page.goto("/register");
  await page.getByLabel("Email").fill(newEmail());
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Chat", level: 1 })).toBeVisible();
}

/** Runs `hearth pair`, approves its code by typing it on /pair, and waits for the agent to save its token. */
async function pairThroughBrowser(page: Page, deviceName: string) {
  const pair = machine.run("pair", "--server", SERVER, "--name", deviceName);
  const [, link, code] = await pair.waitFor(/(http\S+\/pair\?code=)([A-Z0-9]{4}-[A-Z0-9]{4})/);
  expect(link).toContain(`${SERVER}/pair?code=`);

  await page.goto("/pair");
  await page.getByLabel("Pairing code").fill(code.toLowerCase().replace("-", " "));
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: deviceName })).toBeVisible();
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByText(`Paired ${deviceName}.`)).toBeVisible();
  // The agent never starts by itself: the page and the terminal both say what to type next.
  const done = page.getByRole("status").filter({ hasText: `Paired ${deviceName}.` });
  await expect(done).toContainText("The agent does not start by itself");
  await expect(done.getByText("npx hearth start")).toBeVisible();

  await pair.waitFor(/Paired with .*\. Now run `(npx )?hearth start`/);
  expect(await pair.exited).toBe(0);
}

test("pair an agent in the browser, watch it come online, and list its files", async ({ page }) => {
  await register(page);
  await pairThroughBrowser(page, "E2E laptop");
  await page.getByRole("link", { name: "Go to Devices" }).click();
  await expect(page).toHaveURL(/\/settings\/devices$/);

  // Paired but not started: offline. Starting the agent turns the same row online, live, without a reload.
  const row = page.getByRole("listitem").filter({ hasText: "E2E laptop" });
  await expect(row.getByText("Offline")).toBeVisible();
  const agent = machine.run("start");
  await agent.waitFor(/Connected to/);
  await expect(row.getByText("Online")).toBeVisible();
  await expect(row.getByText(/linux|darwin|win32/)).toBeVisible();

  await row.getByRole("link", { name: "E2E laptop" }).click();
  await expect(page.getByRole("heading", { name: "Run a command" })).toBeVisible();
  await expect(page.getByLabel("Connector")).toHaveValue("filesystem");
  await expect(page.getByLabel("Action")).toHaveValue("list");
  await page.getByLabel("path (optional)", { exact: true }).fill(machine.root);
  await page.getByRole("button", { name: "Run command" }).click();

  // No rule covers it yet, so the prompt asks, on whatever page the user is on.
  const prompt = page.getByRole("alertdialog");
  await expect(prompt).toContainText("E2E laptop wants to list filesystem");
  await expect(prompt).toBeFocused();
  await prompt.getByRole("button", { name: "Allow once" }).click();
  await expect(prompt).toBeHidden();

  const history = page.getByRole("region", { name: "History" });
  const files = history.getByRole("list", { name: "Files" });
  await expect(files).toContainText("budget-2026.csv", { timeout: 20_000 });
  await expect(files).toContainText("cover-letter.md");
  await expect(files).toContainText("receipts/");
  await expect(history.getByText("Done", { exact: true })).toBeVisible();
});

test("a path outside the agent's folders is refused at once, in the agent's words, with no prompt", async ({ page }) => {
  await register(page);
  await pairThroughBrowser(page, "Folders laptop");
  const agent = machine.run("start");
  await agent.waitFor(/Connected to/);
  await page.goto("/settings/devices");
  await page.getByRole("link", { name: "Folders laptop" }).click();
  // The device page shows the folders the agent advertised in hello.
  await expect(page.getByText("Files only inside")).toContainText(machine.root);

  await page.getByLabel("path (optional)", { exact: true }).fill("/etc");
  await page.getByRole("button", { name: "Run command" }).click();
  await expect(page.getByText(`/etc is outside the folders this agent may use (${machine.root})`)).toBeVisible();
  await expect(page.getByRole("alertdialog")).toHaveCount(0);
  const pending = await page.request.get("/api/permission-requests?status=pending");
  expect(await pending.json()).toEqual({ requests: [] });
});

test("activity the server refuses from a device is listed on its page, with the reason, until cleared", async ({ page }) => {
  await register(page);
  await pairThroughBrowser(page, "Drift laptop");
  // An agent of another version whose events this server refuses (a schema drift): its own socket, its own token.
  const credentials: { token: string; device_id: string } = JSON.parse(readFileSync(join(machine.home, "credentials.json"), "utf8"));
  const socket = new WebSocket(`${SERVER.replace("http", "ws")}/api/agent`, { headers: { authorization: `Bearer ${credentials.token}` } });
  const frames: { type: string; ref?: string }[] = [];
  socket.on("message", (data) => frames.push(JSON.parse(String(data))));
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  socket.send(JSON.stringify({ v: 1, type: "hello", id: "h", device_id: credentials.device_id, agent_version: "9.9.9", platform: "linux", connectors: [] }));
  await expect.poll(() => frames.some((frame) => frame.type === "welcome")).toBe(true);
  const event = { event_id: "drift-1", activity_type: "financial", timestamp: "2026-11-25T10:00:00Z", application: "bank", details: { amount: -3, cents: 300 } };
  socket.send(JSON.stringify({ v: 1, type: "activity", id: "act-1", events: [event] }));
  await expect.poll(() => frames.some((frame) => frame.type === "ack" && frame.ref === "act-1")).toBe(true);
  socket.close();

  await page.goto("/settings/devices");
  await page.getByRole("link", { name: "Drift laptop" }).click();
  const refused = page.getByRole("region", { name: "Activity the server refused" });
  await expect(refused).toContainText("a financial event needs details.amount and details.currency");
  await expect(refused).toContainText("drift-1");
  await refused.getByRole("button", { name: "Clear this list" }).click();
  await expect(refused).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole("heading", { name: "Run a command" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Activity the server refused" })).toHaveCount(0);
});

test("revoking a device in the browser disconnects its agent at once", async ({ page }) => {
  await register(page);
  await pairThroughBrowser(page, "E2E desktop");
  const agent = machine.run("start");
  await agent.waitFor(/Connected to/);

  await page.goto("/settings/devices");
  const row = page.getByRole("listitem").filter({ hasText: "E2E desktop" });
  await expect(row.getByText("Online")).toBeVisible();
  await row.getByRole("button", { name: "Revoke E2E desktop" }).click();
  await row.getByRole("button", { name: "Yes, revoke" }).click();
  await expect(row).toContainText("Revoked");
  await expect(row.getByRole("button", { name: /Revoke/ })).toHaveCount(0);

  // The relay closes the agent's socket as revoked; the agent says so and exits with "pair again".
  expect(await agent.exited).toBe(3);
  expect(agent.output).toMatch(/revoked|pair again/i);

  // And the browser keeps saying so after a reload.
  await page.reload();
  await expect(page.getByRole("listitem").filter({ hasText: "E2E desktop" })).toContainText("Revoked");
});
