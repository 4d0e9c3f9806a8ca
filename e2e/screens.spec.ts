import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import type { Browser, BrowserContextOptions } from "@playwright/test";
import type { AgentProcess } from "./agent-process.ts";
import { mcpServers } from "./mcp-seed.ts";
import { pairAndStart } from "./paired-agent.ts";
import { registerNewUser } from "./register.ts";
import { seedMcp } from "./mcp-seed.ts";
import { axeFindings, overflowOf, overlapsOf, screenshotWhole } from "./screens.ts";

// Every page on a phone (390×844) and a desktop (1280×800), in light and dark: the page fits its width, no two
// controls are drawn over each other, and axe finds no serious or critical WCAG 2.2 AA failure. The phone's
// screenshots are kept with the test's results. One user with real data (a paired agent, activity, a chat with a
// thread) is set up once and shared; each width and scheme is one browser context that visits every page.

type Seed = { storageState: NonNullable<BrowserContextOptions["storageState"]>; deviceId: string; chatId: string; threadRootId: string; mcpChatId: string };
let seed: Seed | null = null;
let agent: AgentProcess | null = null;

const day = (n: number) => `2026-11-${String(n).padStart(2, "0")}T12:00:00Z`;
const EVENTS = [
  { event_id: "s-1", activity_type: "financial", timestamp: day(2), application: "Bank statement", description: "Whole Foods purchase", details: { amount: -82.4, currency: "USD", merchant: "Whole Foods", category: "groceries" } },
  { event_id: "s-2", activity_type: "financial", timestamp: day(9), application: "Bank statement", description: "Blue Bottle purchase", details: { amount: -12.5, currency: "USD", merchant: "Blue Bottle", category: "eating out" } },
  { event_id: "s-3", activity_type: "financial", timestamp: day(16), application: "Bank statement", description: "Acme Payroll", details: { amount: 2500, currency: "USD", merchant: "Acme Payroll", category: "salary" } },
  { event_id: "s-4", activity_type: "job", timestamp: day(3), application: "Chrome", description: "Applied: Engineer at Globex", details: { company: "Globex", role: "Engineer", status: "applied" } },
  { event_id: "s-5", activity_type: "job", timestamp: day(4), application: "Chrome", description: "Applied: Designer at Initech", details: { company: "Initech", role: "Designer", status: "rejected" } },
];

test.beforeAll(async ({ browser }, testInfo) => {
  testInfo.setTimeout(180_000);
  const baseURL = testInfo.project.use.baseURL;
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await registerNewUser(page, "screens");
  // MCP servers approved in config.json (the everything server from npm, and a server that changes a tool after
  // approval), so the device page shows running servers, a changed tool's diff and a pending request.
  let mcpState = "";
  const paired = await pairAndStart(page, baseURL, "Screens laptop", {
    beforeStart: (a) => {
      mcpState = join(a.home, "rug-pull.json");
      const config: Record<string, unknown> = JSON.parse(readFileSync(join(a.home, "config.json"), "utf8"));
      writeFileSync(join(a.home, "config.json"), JSON.stringify({ ...config, mcp_servers: mcpServers(mcpState) }));
    },
  });
  agent = paired.agent;
  mkdirSync(join(agent.root, "Documents"));
  writeFileSync(join(agent.root, "Documents", "notes.md"), "# Notes\n");
  const headers = { origin: baseURL };
  expect(await (await page.request.post("/api/activities", { data: { events: EVENTS }, headers })).json()).toMatchObject({ stored: EVENTS.length });
  const created: { chat: { id: string } } = await (await page.request.post("/api/chats", { data: { title: "Groceries and help" }, headers })).json();
  const chatId = created.chat.id;
  expect((await page.request.post(`/api/chats/${chatId}/messages`, { data: { content: "/help" }, headers })).ok()).toBe(true);
  const listed: { messages: { id: string; role: string }[] } = await (await page.request.get(`/api/chats/${chatId}/messages`)).json();
  const root = listed.messages.find((m) => m.role === "user");
  if (!root) throw new Error("the chat has no message of the user to open a thread on");
  expect((await page.request.post(`/api/chats/${chatId}/messages`, { data: { content: "/help", thread_id: root.id }, headers })).ok()).toBe(true);
  const { chatId: mcpChatId } = await seedMcp(page, baseURL, paired.deviceId, mcpState);
  seed = { storageState: await context.storageState(), deviceId: paired.deviceId, chatId, threadRootId: root.id, mcpChatId };
  await context.close();
});

test.afterAll(async () => {
  agent?.kill();
});

/** Every page of the app, signed in, with the data from the seed. */
function signedInRoutes(s: Seed): string[] {
  return [
    "/chat",
    `/chat/${s.chatId}`,
    `/chat/${s.chatId}?thread=${s.threadRootId}`,
    `/chat/${s.mcpChatId}`,
    "/dashboard",
    "/dashboard/applications",
    "/dashboard/calendar",
    "/dashboard/import",
    "/dashboard/subscriptions",
    "/notifications",
    "/pair",
    "/settings",
    "/settings/security",
    "/settings/devices",
    `/settings/devices/${s.deviceId}`,
    "/settings/permissions",
    "/settings/notifications",
    "/settings/activity",
    "/settings/webhooks",
    "/settings/audit",
  ];
}

const WIDTHS = [
  { name: "phone", viewport: { width: 390, height: 844 }, screenshots: true },
  { name: "desktop", viewport: { width: 1280, height: 800 }, screenshots: false },
] as const;

async function visitAll(browser: Browser, options: { viewport: { width: number; height: number }; colorScheme: "light" | "dark"; screenshots: boolean; baseURL: string }) {
  if (!seed) throw new Error("the seed did not run");
  const findings: string[] = [];
  const visit = async (signedIn: boolean, routes: string[]) => {
    const context = await browser.newContext({ baseURL: options.baseURL, viewport: options.viewport, ...(signedIn && seed ? { storageState: seed.storageState } : {}) });
    const page = await context.newPage();
    await page.emulateMedia({ colorScheme: options.colorScheme });
    // Anything the Content-Security-Policy blocks (web/vite.config.ts, web/static/_headers) is a finding too.
    let current = "";
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) findings.push(`${current}: ${message.text()}`);
    });
    for (const route of routes) {
      current = route;
      await test.step(route, async () => {
        // A load cut short by the app's own start-up (ERR_ABORTED) is tried once more.
        await page.goto(route).catch(() => page.goto(route));
        // Each page is done when its heading is there and nothing says it is still loading.
        await expect(page.locator("h1:visible, h2:visible").first()).toBeVisible();
        await expect(page.locator("[aria-busy=true], .spinner")).toHaveCount(0);
        const overflow = await overflowOf(page);
        if (overflow) findings.push(`${route}: ${overflow}`);
        for (const overlap of await overlapsOf(page)) findings.push(`${route}: ${overlap}`);
        for (const finding of await axeFindings(page)) findings.push(`${route}: ${finding}`);
        if (options.screenshots) {
          const name = `${options.colorScheme}${route.replace(/[^a-z0-9]+/gi, "-").replace(/-$/, "")}.png`;
          // Written under test-results/ (kept after the run, passed or failed) and attached to the report.
          const path = test.info().outputPath(name);
          await screenshotWhole(page, path);
          await test.info().attach(name, { path, contentType: "image/png" });
        }
      });
    }
    await context.close();
  };
  await visit(false, ["/login", "/register", "/confirm-email"]);
  await visit(true, signedInRoutes(seed));
  return findings;
}

for (const width of WIDTHS) {
  for (const colorScheme of ["light", "dark"] as const) {
    test(`every page fits a ${width.name} (${width.viewport.width}×${width.viewport.height}) in ${colorScheme}, with no overlapping controls, no serious axe finding and nothing blocked by the CSP`, async ({ browser, baseURL }) => {
      test.setTimeout(240_000);
      if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
      const findings = await visitAll(browser, { viewport: width.viewport, colorScheme, screenshots: width.screenshots, baseURL });
      expect(findings, findings.join("\n")).toEqual([]);
    });
  }
}
