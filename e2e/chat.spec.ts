import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import type { Page } from "@playwright/test";
import type { AgentProcess } from "./agent-process.ts";
import { pairAndStart } from "./paired-agent.ts";
import { registerNewUser } from "./register.ts";

// The assistant end to end: the real agent process with a real Documents folder, the real worker and relay under
// `wrangler dev`, no language model (the default), and two tabs of one user.

async function registerWithAgent(page: Page, baseURL: string): Promise<AgentProcess> {
  await registerNewUser(page, "chat");
  const { agent } = await pairAndStart(page, baseURL, "Chat laptop");
  // The agent's home folder is a temporary one with ~/Documents in it, so "list my Documents" lists real files.
  mkdirSync(join(agent.root, "Documents"));
  writeFileSync(join(agent.root, "Documents", "budget-2026.csv"), "month,spent\n");
  writeFileSync(join(agent.root, "Documents", "cover-letter.md"), "# Dear hiring team\n");
  return agent;
}

test("ask to list Documents, approve inline, and see the real files; a second tab follows along", async ({ page, context, baseURL }) => {
  test.setTimeout(90_000);
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  const agent = await registerWithAgent(page, baseURL);
  try {
    await expect(page.getByText("No language model configured")).toBeVisible();
    const composer = page.getByRole("combobox", { name: "Message" });
    await composer.fill("list my Documents");
    await composer.press("Enter");

    // The chat opens with the message sent, and the reply asks for permission inline (not in the overlay).
    await expect(page).toHaveURL(/\/chat\/[^/?]+$/);
    const reply = page.getByRole("article", { name: "Hearth" }).last();
    await expect(reply.getByText("Waiting for your permission…")).toBeVisible();
    await expect(page.getByRole("alertdialog")).toHaveCount(0);
    await reply.getByRole("button", { name: "Allow once" }).click();

    // The command card fills with the real files, and the reply names them.
    const card = reply.getByRole("list", { name: "Commands" });
    await expect(card.getByText("Done", { exact: true })).toBeVisible();
    await expect(card.getByText("budget-2026.csv").first()).toBeVisible();
    await expect(reply.getByText("cover-letter.md").first()).toBeVisible();
    await expect(page.getByRole("article", { name: "You" }).getByText("Read")).toBeVisible();

    // A second tab of the same chat sees typing from the first, then joins a reply in progress.
    const second = await context.newPage();
    await second.goto(page.url());
    await expect(second.getByRole("article", { name: "Hearth" }).getByText("budget-2026.csv").first()).toBeVisible();
    await composer.fill("/cat ~/Documents/cover-letter.md");
    await expect(second.getByText("You are typing in another tab…")).toBeVisible();
    await composer.press("Enter");
    const joined = second.getByRole("article", { name: "Hearth" }).last();
    await expect(joined.getByText("Waiting for your permission…")).toBeVisible();
    await expect(joined.getByRole("button", { name: "Allow once" })).toBeVisible();

    // Answered in the first tab: the prompt leaves the second, and both show the file.
    await page.getByRole("article", { name: "Hearth" }).last().getByRole("button", { name: "Allow once" }).click();
    await expect(joined.getByRole("button", { name: "Allow once" })).toHaveCount(0);
    await expect(joined.getByText("Dear hiring team").first()).toBeVisible();
    await expect(page.getByRole("article", { name: "Hearth" }).last().getByText("Dear hiring team").first()).toBeVisible();
    await second.close();
  } finally {
    agent.kill("SIGTERM");
  }
});

test("slash suggestions, search across chats, and a reply in a thread", async ({ page, baseURL }) => {
  test.setTimeout(90_000);
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  const agent = await registerWithAgent(page, baseURL);
  try {
    // Typing "/" offers the commands the connected device can run; Tab completes one.
    const composer = page.getByRole("combobox", { name: "Message" });
    await composer.fill("/");
    const options = page.getByRole("listbox", { name: "Commands" });
    await expect(options.getByRole("option").first()).toBeVisible();
    await expect(options).toContainText("/ls <folder>");
    await expect(options).not.toContainText("/run"); // the shell connector is off by default
    await composer.fill("/he");
    await composer.press("Tab");
    await expect(composer).toHaveValue("/help ");
    await composer.press("Enter");
    const help = page.getByRole("article", { name: "Hearth" }).last();
    await expect(help.getByText("/ls <folder>")).toBeVisible();
    const chatUrl = page.url();

    // A second chat, then search finds the first one by a word of its reply.
    await page.getByRole("navigation", { name: "Chats" }).getByRole("button", { name: "New chat" }).click();
    await expect(page).not.toHaveURL(chatUrl);
    await page.getByRole("searchbox", { name: "Search all chats" }).fill("folder");
    const hit = page.getByRole("link", { name: /\/help/ }).first();
    await expect(hit).toBeVisible();
    await hit.click();
    await expect(page).toHaveURL(new RegExp(`${chatUrl.split("/").pop()}`));

    // Reply in a thread under the first message; Esc closes the thread panel.
    await page.getByRole("article", { name: "You" }).first().getByRole("button", { name: "Reply in thread" }).click();
    const thread = page.getByRole("dialog", { name: "Thread" });
    await expect(thread).toBeVisible();
    const threadComposer = thread.getByRole("combobox", { name: "Message" });
    await threadComposer.fill("/info");
    await threadComposer.press("Enter");
    await expect(thread.getByRole("article", { name: "You" }).getByText("/info")).toBeVisible();
    await expect(thread.getByRole("article", { name: "Hearth" }).last().getByText("Waiting for your permission…")).toBeVisible();
    await thread.getByRole("button", { name: "Deny" }).click();
    await expect(thread.getByRole("article", { name: "Hearth" }).last().getByText(/didn't do it/)).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(thread).toHaveCount(0);
    await expect(page.getByRole("article", { name: "You" }).first().getByRole("button", { name: "2 replies" })).toBeVisible();
  } finally {
    agent.kill("SIGTERM");
  }
});
