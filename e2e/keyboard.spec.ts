import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import type { Page } from "@playwright/test";
import { pairAndStart } from "./paired-agent.ts";
import { PASSWORD, registerNewUser } from "./register.ts";

// A keyboard-only pass, as a screen reader user moves: where focus lands after sign-in, after each move through the
// main menu, after a first message and a permission answered; the activity drawer and the thread panel as dialogs.

/** Whether keyboard focus is somewhere inside `selector` (and not on the page's body). */
const focusInside = (page: Page, selector: string) => page.evaluate((s) => document.activeElement?.closest(s) !== null && document.activeElement !== document.body, selector);

test("after sign-in and after each move through the main menu, focus is on the new page's heading", async ({ page }) => {
  const email = await registerNewUser(page, "keys");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Password", { exact: true }).press("Enter");
  await expect(page.getByRole("heading", { name: "Chat", level: 1 })).toBeFocused();

  const menu = page.getByRole("navigation", { name: "Main" });
  for (const [link, heading] of [
    ["Dashboard", "Dashboard"],
    ["Notifications", "Notifications"],
    ["Settings", "Settings"],
    ["Chat", "Chat"],
  ] as const) {
    await menu.getByRole("link", { name: link }).focus();
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { name: heading, level: 1 })).toBeFocused();
  }
});

test("an activity opens with Enter or Space in a modal drawer: focus stays inside, and Escape gives it back to the row", async ({ page, baseURL }) => {
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  await registerNewUser(page, "keys-drawer");
  const events = ["Whole Foods", "Blue Bottle", "Corner Shop"].map((merchant, n) => ({
    event_id: `keys-${n}`,
    activity_type: "financial",
    timestamp: `2026-11-0${n + 2}T12:00:00Z`,
    application: "Bank statement",
    description: `${merchant} purchase`,
    details: { amount: -10 - n, currency: "USD", merchant, category: "groceries" },
  }));
  expect((await page.request.post("/api/activities", { data: { events }, headers: { origin: baseURL } })).ok()).toBe(true);
  await page.goto("/dashboard");

  const row = page.getByRole("button", { name: "Blue Bottle purchase" });
  await row.focus();
  await page.keyboard.press(" ");
  const drawer = page.getByRole("dialog", { name: "Activity details" });
  await expect(drawer).toBeVisible();
  await expect(drawer.getByRole("button", { name: "Close details" })).toBeFocused();

  // Tab and Shift+Tab cycle inside; nothing behind the drawer is reachable.
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press("Tab");
    expect(await focusInside(page, "dialog")).toBe(true);
  }
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press("Shift+Tab");
    expect(await focusInside(page, "dialog")).toBe(true);
  }
  // The page behind is inert: even a script cannot put focus on its links.
  const behind = await page.evaluate(() => {
    const link = [...document.querySelectorAll("a")].find((a) => a.textContent?.includes("Export CSV"));
    link?.focus();
    return link !== undefined && document.activeElement === link;
  });
  expect(behind).toBe(false);

  await page.keyboard.press("Escape");
  await expect(drawer).toHaveCount(0);
  await expect(row).toBeFocused();

  // Enter opens another one just the same.
  await page.getByRole("button", { name: "Corner Shop purchase" }).focus();
  await page.keyboard.press("Enter");
  await expect(drawer.getByRole("heading", { name: "Corner Shop purchase" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("button", { name: "Corner Shop purchase" })).toBeFocused();
});

test("chat: the first message and Allow once keep focus in the composer, only the news is live, and a thread takes focus with Close first", async ({ page, baseURL }) => {
  test.setTimeout(90_000);
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  await registerNewUser(page, "keys-chat");
  const { agent } = await pairAndStart(page, baseURL, "Keyboard laptop");
  try {
    mkdirSync(join(agent.root, "Documents"));
    writeFileSync(join(agent.root, "Documents", "notes.md"), "# Notes\n");
    await page.goto("/chat");
    const composer = page.getByRole("combobox", { name: "Message" });
    await composer.fill("list my Documents");
    await composer.press("Enter");
    await expect(page).toHaveURL(/\/chat\/[^/?]+$/);
    await expect(composer).toBeFocused();

    // The status line says a permission is awaited; the message list itself is not a live region.
    await expect(page.getByRole("status").filter({ hasText: "Hearth needs your permission" })).toHaveCount(1);
    expect(await page.locator("[aria-live]:has(article), [role=log]:has(article)").count()).toBe(0);

    const allow = page.getByRole("article", { name: "Hearth" }).getByRole("button", { name: "Allow once" });
    await allow.focus();
    await page.keyboard.press("Enter");
    await expect(allow).toHaveCount(0);
    await expect(composer).toBeFocused();
    await expect(page.getByRole("status").filter({ hasText: "Hearth replied:" })).toContainText("notes.md");

    // A thread opens beside the chat, takes focus on its Close button, and Escape gives focus back to the opener.
    const opener = page.getByRole("button", { name: "Reply in thread" }).first();
    await opener.focus();
    await page.keyboard.press("Enter");
    const panel = page.getByRole("dialog", { name: "Thread" });
    await expect(panel.getByRole("button", { name: "Close thread" })).toBeFocused();
    await page.keyboard.press("Tab");
    expect(await focusInside(page, "dialog")).toBe(true);
    await page.keyboard.press("Escape");
    await expect(panel).toHaveCount(0);
    await expect(opener).toBeFocused();
  } finally {
    agent.kill();
  }
});
