import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { expect, test } from "@playwright/test";
import type { Locator, Page } from "@playwright/test";
import type { AgentProcess } from "./agent-process.ts";
import { pairAndStart } from "./paired-agent.ts";
import { registerNewUser } from "./register.ts";

// The README's chat examples against a real agent with the DEFAULT config (no filesystem.roots: the agent picks
// whichever of ~/Documents, ~/Downloads and ~/Desktop exist), and each action's result read as what it is in
// Chromium, in the chat and on the device page, with the raw JSON one click away.

async function agentWithDefaultConfig(page: Page, baseURL: string): Promise<{ agent: AgentProcess; deviceId: string }> {
  await registerNewUser(page, "results");
  // The system's URL opener is an outside program: a stand-in that succeeds, first on the agent's PATH.
  const bin = mkdtempSync(join(tmpdir(), "hearth-e2e-bin-"));
  writeFileSync(join(bin, "xdg-open"), "#!/bin/sh\nexit 0\n");
  chmodSync(join(bin, "xdg-open"), 0o755);
  return pairAndStart(page, baseURL, "Results laptop", {
    beforeStart: (agent) => {
      mkdirSync(join(agent.root, "Documents", "taxes"), { recursive: true });
      mkdirSync(join(agent.root, "Downloads"));
      writeFileSync(join(agent.root, "Documents", "taxes", "taxes.pdf"), "%PDF-1.4");
      writeFileSync(join(agent.root, "Downloads", "invoice-2026.txt"), "Acme Ltd\nInvoice 42: 120 EUR\n");
      writeFileSync(join(agent.root, "outside.pdf"), "%PDF-1.4"); // in home, outside the default folders
      writeFileSync(join(agent.home, "config.json"), JSON.stringify({ local_endpoint: { port: 0 } }));
    },
    env: { PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` },
  });
}

/** Sends `text`, allows the prompt once, and returns the reply's command card once it is done. */
async function ask(page: Page, text: string): Promise<{ reply: Locator; card: Locator }> {
  const composer = page.getByRole("combobox", { name: "Message" });
  await composer.fill(text);
  await composer.press("Enter");
  const reply = page.getByRole("article", { name: "Hearth" }).last();
  await reply.getByRole("button", { name: "Allow once" }).click();
  const card = reply.getByRole("list", { name: "Commands" });
  await expect(card.getByText("Done", { exact: true })).toBeVisible();
  return { reply, card };
}

test("the README's examples work with the default agent config, and every result reads as what it is", async ({ page, baseURL }) => {
  test.setTimeout(150_000);
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  const { agent, deviceId } = await agentWithDefaultConfig(page, baseURL);
  try {
    // /help lists only what this device offers: the default config has no shell and no apps.
    const composer = page.getByRole("combobox", { name: "Message" });
    await composer.fill("/help");
    await composer.press("Enter");
    const help = page.getByRole("article", { name: "Hearth" }).last();
    await expect(help.getByText("/find <name or *.ext> [in <folder>]")).toBeVisible();
    await expect(help).not.toContainText("/run");
    await expect(help).not.toContainText("/launch");

    // "find taxes.pdf" names no folder: the agent searches its own folders, not ~ (where it may not look).
    const found = await ask(page, "find taxes.pdf");
    await expect(found.card.getByRole("list", { name: "Matches" }).getByText("~/Documents/taxes/taxes.pdf")).toBeVisible();
    await expect(found.card.getByText(/1 match\s+in/)).toContainText("~/Documents, ~/Downloads");
    await expect(found.card.getByText('"matches"')).toBeHidden(); // no raw JSON until asked for
    await found.card.getByText("Raw result").click();
    await expect(found.card.getByText(/"matches"/)).toBeVisible();

    const pdfs = await ask(page, "find pdf files");
    await expect(pdfs.card.getByRole("list", { name: "Matches" }).getByRole("listitem")).toHaveCount(1); // not ~/outside.pdf

    const grep = await ask(page, "/grep invoice");
    const hit = grep.card.getByRole("list", { name: "Matches" }).getByRole("listitem");
    await expect(hit).toContainText("~/Downloads/invoice-2026.txt");
    await expect(hit).toContainText("line 2: Invoice 42: 120 EUR");

    // A relative path is read from home: /ls Documents and /ls Documents/taxes are the folders the user means.
    const docs = await ask(page, "/ls Documents");
    await expect(docs.card.getByRole("list", { name: "Files" })).toContainText("taxes/");
    const taxes = await ask(page, "/ls Documents/taxes");
    await expect(taxes.card.getByRole("list", { name: "Files" })).toContainText("taxes.pdf");

    // Disk space is answered with disk space, in the reply and in the card.
    const disk = await ask(page, "how much disk space do I have?");
    await expect(disk.reply.getByText(/^Disk space: [\d.]+ GiB free of [\d.]+ GiB \(~\/Documents, ~\/Downloads\)\.$/)).toBeVisible();
    await expect(disk.card.getByRole("list", { name: "Disk space" })).toContainText(/free of/);
    await expect(disk.card.getByRole("meter")).toHaveCount(1);
    await expect(disk.card.getByText("Up for")).toBeVisible();

    const opened = await ask(page, "/open https://example.com");
    await expect(opened.card.getByRole("link", { name: "https://example.com/" })).toBeVisible();
    await expect(opened.card.getByText(/"opened"/)).toBeHidden();

    // A write is mapped to filesystem.write, asked for like any write, and lands in ~/Documents.
    const written = await ask(page, "create a file todo.txt that says buy milk");
    await expect(written.card.getByText("Created ~/Documents/todo.txt (9 bytes).")).toBeVisible();
    expect(readFileSync(join(agent.root, "Documents", "todo.txt"), "utf8")).toBe("buy milk\n");
    const read = await ask(page, "open ~/Documents/todo.txt and show me its contents");
    await expect(read.card.getByText("buy milk")).toBeVisible();

    // A sentence it cannot read gets one sentence and a pointer to /help, not the whole help text.
    await composer.fill("tidy up my photo library a bit");
    await composer.press("Enter");
    await expect(page.getByRole("article", { name: "Hearth" }).last()).toHaveText(
      /I didn't understand "tidy up my photo library a bit" as something to do on your computer\. Type \/help to see what I can do\./,
    );
    await expect(page.getByRole("article", { name: "Hearth" }).last()).not.toContainText("/ls <folder>");

    // The device page shows the same readable results.
    await page.goto(`/settings/devices/${encodeURIComponent(deviceId)}`);
    await expect(page.getByRole("list", { name: "Disk space" }).first()).toContainText(/free of/);
    await expect(page.getByRole("list", { name: "Matches" }).first()).toBeVisible();
    await expect(page.getByRole("link", { name: "https://example.com/" }).first()).toBeVisible();
  } finally {
    agent.kill("SIGTERM");
  }
});
