import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import type { Locator, Page } from "@playwright/test";
import { pairAndStart } from "./paired-agent.ts";
import { registerNewUser } from "./register.ts";

// Permissions that mean what they say, and no noise about what the user is looking at: a real agent, the real
// worker and relay under `wrangler dev`, no language model. "Always allow" on a chat's prompt grants the scope the
// prompt showed; the open chat raises no toast or unread count of its own; a toast never covers a header's buttons.

const bell = (page: Page, unread: number) => page.getByRole("link", { name: `Notifications, ${unread} unread`, exact: true });

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Every button and link in the app's header and in the page's own header (the chat's title bar). */
async function headerControls(page: Page): Promise<Box[]> {
  const boxes: Box[] = [];
  for (const header of [page.getByRole("banner"), page.locator("main header").first()]) {
    for (const control of await header.locator("a, button").all()) {
      const box = await control.boundingBox();
      if (box) boxes.push(box);
    }
  }
  expect(boxes.length).toBeGreaterThan(3);
  return boxes;
}

async function expectClearOfHeaders(page: Page, toast: Locator) {
  await expect(toast).toBeVisible({ timeout: 20_000 });
  const box = await toast.boundingBox();
  if (!box) throw new Error("the toast has no box");
  for (const control of await headerControls(page)) expect(overlaps(box, control), `toast ${JSON.stringify(box)} covers ${JSON.stringify(control)}`).toBe(false);
}

test("'Always allow' in a chat grants the folder the prompt showed, and the open chat raises no toast nor unread count", async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  await registerNewUser(page, "scopes");
  const { agent, deviceId } = await pairAndStart(page, baseURL, "Scope laptop");
  mkdirSync(join(agent.root, "Documents", "taxes"), { recursive: true });
  writeFileSync(join(agent.root, "Documents", "budget-2026.csv"), "month,spent\n");
  writeFileSync(join(agent.root, "Documents", "taxes", "2025.pdf"), "%PDF-1.4\n");
  const post = (path: string, data: unknown) => page.request.post(path, { data, headers: { origin: baseURL } });
  try {
    const composer = page.getByRole("combobox", { name: "Message" });
    await composer.fill("list my Documents");
    await composer.press("Enter");
    await expect(page).toHaveURL(/\/chat\/[^/?]+$/);
    const reply = page.getByRole("article", { name: "Hearth" }).last();
    await expect(reply.getByText("Waiting for your permission…")).toBeVisible();

    // The prompt says what the lasting answers cover: the folder and below by default, wider on request.
    const scope = reply.getByLabel('"For 1 hour" and "Always" cover');
    await expect(scope.locator("option:checked")).toHaveText("~/Documents and everything in it");
    await expect(scope.locator("option")).toHaveText(["~/Documents and everything in it", "~ and everything in it", "everywhere (any path)"]);
    // Shown once, in the chat: no toast about it, and nothing unread.
    await expect(page.getByRole("group", { name: "Permission needed: filesystem.list" })).toHaveCount(0);
    await expect(bell(page, 0)).toBeVisible();

    await reply.getByRole("button", { name: "Always allow" }).click();
    await expect(reply.getByRole("list", { name: "Commands" }).getByText("budget-2026.csv").first()).toBeVisible({ timeout: 20_000 });
    // The reply is finished (the composer takes the next message only then; it shows Stop until then).
    await expect(page.getByRole("button", { name: "Stop", exact: true })).toHaveCount(0, { timeout: 20_000 });

    // A folder below runs without asking; a folder beside it still asks, and the chooser widens that grant.
    await composer.fill("/ls ~/Documents/taxes");
    await composer.press("Enter");
    await expect(page.getByRole("article", { name: "Hearth" }).last().getByText("2025.pdf").first()).toBeVisible({ timeout: 20_000 });
    mkdirSync(join(agent.root, "Pictures"));
    await composer.fill("/ls ~/Pictures");
    await composer.press("Enter");
    const beside = page.getByRole("article", { name: "Hearth" }).last();
    await expect(beside.getByText("Waiting for your permission…")).toBeVisible();
    await beside.getByLabel('"For 1 hour" and "Always" cover').selectOption({ label: "~ and everything in it" });
    await beside.getByRole("button", { name: "Allow for 1 hour" }).click();
    await expect(beside.getByText("Waiting for your permission…")).toHaveCount(0, { timeout: 20_000 });
    // Finished commands in the chat the user is reading: still nothing unread.
    await expect(bell(page, 0)).toBeVisible();

    // A failure from elsewhere (not this chat) does toast, high priority, and never over a header's buttons.
    const prefs: { rules: { kind: string }[] } = await (await page.request.get("/api/notifications/preferences")).json();
    const failedRule = prefs.rules.find((r) => r.kind === "command_failed");
    expect((await page.request.put("/api/notifications/preferences", { data: { rules: [{ ...failedRule, priority: "high" }] }, headers: { origin: baseURL } })).status()).toBe(200);
    expect((await post("/api/permissions", { target: "filesystem", action: "read", effect: "allow" })).status()).toBe(201);
    const fail = async (name: string) =>
      expect((await post("/api/commands", { device_id: deviceId, command: { target: "filesystem", action: "read", parameters: { path: join(agent.root, name) } } })).status()).toBe(202);
    await fail("missing-1.txt");
    const toast = page.getByRole("group", { name: "Failed: filesystem.read", exact: true });
    await expectClearOfHeaders(page, toast);
    await toast.getByRole("button", { name: /^Close/ }).click();

    // On a phone too.
    await page.setViewportSize({ width: 390, height: 844 });
    await fail("missing-2.txt");
    await expectClearOfHeaders(page, toast);

    // Settings → Permissions lists exactly the scopes the prompts showed and the user chose.
    await page.goto("/settings/permissions");
    await expect(page.getByText("~/Documents/**", { exact: true })).toBeVisible();
    await expect(page.getByText("~/**", { exact: true })).toBeVisible();
  } finally {
    agent.kill("SIGTERM");
  }
});
