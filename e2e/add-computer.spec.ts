import { copyFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "@playwright/test";
import type { APIRequestContext, Locator, Page } from "@playwright/test";
import { registerNewUser } from "./register.ts";
import { axeFindings, overflowOf, overlapsOf } from "./screens.ts";

// Settings → Devices → Add a computer, in a real browser against a real server: the one install line for each
// system (tabs moved by keyboard), copying it (with and without the Clipboard API), then a computer running it.
// The computer is played by this test over HTTP, as the install script's `hearth pair --install-key` would:
// POST /api/pair/start with the key from the shown line, then polls /api/pair/token until the dialog approves.

// A Mac's Safari, so the dialog's first tab is predictable (it opens on the browser's own system).
const MAC_UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15";
const KEY = /[?&]k=([A-Za-z0-9_-]{32})(?![A-Za-z0-9_-])/;
const SCREENSHOT = fileURLToPath(new URL("../docs/screenshots/add-computer-phone-dark.png", import.meta.url));

async function openDialog(page: Page): Promise<Locator> {
  await page.goto("/settings/devices");
  await page.getByRole("button", { name: "Add a computer" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a computer" });
  await expect(dialog).toBeVisible();
  return dialog;
}

/** The line the dialog shows in its open tab, once the server has made it. */
async function shownLine(dialog: Locator): Promise<string> {
  const line = dialog.getByRole("tabpanel").locator("code");
  await expect(line).toContainText(KEY);
  return line.innerText();
}

/** A new computer running the line: starts pairing with its key, as `hearth pair --install-key` does. */
async function startPairing(agent: APIRequestContext, line: string, name: string, agentVersion = "0.1.0") {
  const key = KEY.exec(line)?.[1];
  if (!key) throw new Error(`no install key in "${line}"`);
  const started = await agent.post("/api/pair/start", { data: { name, platform: "linux-x64", agent_version: agentVersion, install_key: key } });
  expect(started.status()).toBe(200);
  const body: { device_code: string; user_code: string; interval: number } = await started.json();
  return body;
}

test.use({ userAgent: MAC_UA });

test("the dialog opens on the browser's system, its tabs move by keyboard, and each system gets its own line", async ({ page, baseURL }) => {
  await registerNewUser(page, "add-tabs");
  await page.goto("/settings/devices");
  // The empty list leads to the dialog too, and tells nobody to clone the repository any more.
  await expect(page.getByText("No devices yet")).toBeVisible();
  await expect(page.getByText("npx hearth pair")).toHaveCount(0);
  await page.getByRole("button", { name: "Add your first computer" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a computer" });
  await expect(dialog).toBeVisible();

  const tabs = dialog.getByRole("tablist", { name: "The new computer's system" });
  const tab = (name: string) => tabs.getByRole("tab", { name });
  await expect(tab("macOS")).toHaveAttribute("aria-selected", "true");
  const unix = await shownLine(dialog);
  expect(unix).toMatch(new RegExp(`^curl -fsSL ${baseURL}/install\\.sh\\?k=[A-Za-z0-9_-]{32} \\| sh$`));
  await expect(dialog.getByText("Paste it in Terminal on that computer")).toBeVisible();
  await expect(dialog.getByText("No admin rights needed: it installs Node 22 and the agent for you only.")).toBeVisible();
  await expect(dialog.getByRole("status").filter({ hasText: "Waiting for your computer…" })).toBeVisible();
  await expect(dialog.getByText(/(29|30) min left on this line/)).toBeVisible();

  // One Tab stop for the row: the selected tab. Arrows move and select, wrapping; Home and End jump.
  await tab("macOS").focus();
  await page.keyboard.press("ArrowRight");
  await expect(tab("Windows")).toBeFocused();
  await expect(tab("Windows")).toHaveAttribute("aria-selected", "true");
  await expect(dialog.getByRole("tabpanel", { name: "Windows" }).locator("code")).toHaveText(unix.replace(/^curl -fsSL (\S+)\/install\.sh(\S+) \| sh$/, "irm $1/install.ps1$2 | iex"));
  await expect(dialog.getByText("Paste it in PowerShell on that computer")).toBeVisible();
  await page.keyboard.press("ArrowRight");
  await expect(tab("Linux")).toBeFocused();
  await expect(dialog.getByRole("tabpanel", { name: "Linux" }).locator("code")).toHaveText(unix);
  await page.keyboard.press("ArrowLeft");
  await expect(tab("Windows")).toBeFocused();
  await page.keyboard.press("Home");
  await expect(tab("Linux")).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("End");
  await expect(tab("Windows")).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("Tab");
  await expect(dialog.getByRole("tabpanel").getByRole("button", { name: "Copy" })).toBeFocused();

  // Escape closes it, and focus returns to the button that opened it.
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Add your first computer" })).toBeFocused();
});

test("Copy puts the line on the clipboard, or selects it where the Clipboard API is missing", async ({ page, browser, baseURL }) => {
  await registerNewUser(page, "add-copy");
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  const dialog = await openDialog(page);
  const line = await shownLine(dialog);
  await dialog.getByRole("button", { name: "Copy" }).click();
  await expect(dialog.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(line);

  // A browser with no Clipboard API (plain http to another machine): the line is selected for ⌘C.
  const bare = await browser.newContext({ baseURL, userAgent: MAC_UA, storageState: await page.context().storageState() });
  await bare.addInitScript(() => Object.defineProperty(Navigator.prototype, "clipboard", { get: () => undefined }));
  const other = await bare.newPage();
  const otherDialog = await openDialog(other);
  const otherLine = await shownLine(otherDialog);
  await otherDialog.getByRole("button", { name: "Copy" }).click();
  await expect(otherDialog.getByRole("button", { name: /^Selected: press (⌘C|Ctrl\+C)$/ })).toBeVisible();
  expect(await other.evaluate(() => window.getSelection()?.toString())).toBe(otherLine);
  await bare.close();
});

test("a computer runs the line: the dialog shows its code, approving connects it, and its page offers the update", async ({ page, playwright, baseURL }) => {
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  await registerNewUser(page, "add-pair");
  const dialog = await openDialog(page);
  const usedLine = await shownLine(dialog);
  const agent = await playwright.request.newContext({ baseURL });
  try {
    // A first computer is turned away: the dialog says so, and that the line is used up (a line pairs one computer).
    const stranger = await startPairing(agent, usedLine, "Unknown box");
    await expect(dialog.getByRole("heading", { name: "Unknown box" })).toBeVisible();
    await dialog.getByRole("button", { name: "Deny" }).click();
    await expect(dialog.getByRole("status").filter({ hasText: "You denied Unknown box. It was not added." })).toBeVisible();
    await expect(dialog.getByRole("button", { name: "Copy" })).toHaveCount(0);
    expect((await (await agent.post("/api/pair/token", { data: { device_code: stranger.device_code } })).json()).error.code).toBe("access_denied");
    const again = await agent.post("/api/pair/start", { data: { name: "Unknown box", platform: "linux-x64", agent_version: "0.1.0", install_key: KEY.exec(usedLine)?.[1] } });
    expect(again.status()).toBe(400);
    expect((await again.json()).error.code).toBe("invalid_install_key");

    // A new line, which the real computer runs, with an older agent than this server offers.
    await dialog.getByRole("button", { name: "New line" }).click();
    await expect(dialog.getByRole("status").filter({ hasText: "Waiting for your computer…" })).toBeVisible();
    const line = await shownLine(dialog);
    expect(line).not.toBe(usedLine);
    const started = await startPairing(agent, line, "Kitchen laptop", "0.0.1");
    await expect(dialog.getByRole("heading", { name: "Kitchen laptop" })).toBeVisible();
    await expect(dialog.getByText(started.user_code)).toBeVisible();
    await expect(dialog.getByText("linux-x64")).toBeVisible();
    await expect(dialog.getByText("v0.0.1")).toBeVisible();
    await expect(dialog.getByText("Started from")).toBeVisible();
    await expect(dialog.getByText("the code matches the one in its terminal")).toBeVisible();

    // Nothing is handed out before the user approves.
    expect((await (await agent.post("/api/pair/token", { data: { device_code: started.device_code } })).json()).error.code).toMatch(/authorization_pending|slow_down/);
    // Approving may ask for a step-up, as on /pair; this user signed in a moment ago, so it goes straight through.
    await dialog.getByRole("button", { name: "Approve" }).click();
    await expect(dialog.getByText("Approved — finishing the install on Kitchen laptop…")).toBeVisible();

    let token: { token: string; device_id: string } | null = null;
    await expect
      .poll(
        async () => {
          const answer = await agent.post("/api/pair/token", { data: { device_code: started.device_code } });
          if (answer.ok()) token = await answer.json();
          return answer.status();
        },
        { intervals: [started.interval * 1000], timeout: 20_000 },
      )
      .toBe(200);
    const paired = token ?? { token: "", device_id: "" };
    expect(paired.token).not.toBe("");

    await expect(dialog.getByRole("status").filter({ hasText: "Kitchen laptop is connected." })).toBeVisible();
    // The list behind the dialog has it already.
    await expect(page.getByRole("list", { name: "Your devices", includeHidden: true }).getByRole("link", { name: "Kitchen laptop", includeHidden: true })).toBeAttached();
    await dialog.getByRole("link", { name: "Open Kitchen laptop" }).click();
    await expect(page).toHaveURL(new RegExp(`/settings/devices/${paired.device_id}$`));
    await expect(page.getByRole("heading", { name: "Kitchen laptop", level: 2 })).toBeVisible();

    // The agent is older than the build this server serves: the device page and the list say so, and how to fix it.
    const manifest = await page.request.get("/agent/manifest.json");
    expect(manifest.status()).toBe(200);
    const { version }: { version: string } = await manifest.json();
    await expect(page.getByText(`Update available: v${version}`)).toBeVisible();
    await expect(page.getByText("on that computer")).toContainText("run hearth update on that computer");
    await page.goto("/settings/devices");
    const row = page.getByRole("listitem").filter({ hasText: "Kitchen laptop" });
    await expect(row.getByText(`Update available: v${version}`)).toBeVisible();

    // A computer already on the offered version gets no badge (paired the plain way, by its code).
    const current: { device_code: string; user_code: string } = await (
      await agent.post("/api/pair/start", { data: { name: "Current box", platform: "linux-x64", agent_version: version } })
    ).json();
    expect((await page.request.post("/api/pair/approve", { data: { user_code: current.user_code }, headers: { origin: baseURL } })).status()).toBe(200);
    expect((await agent.post("/api/pair/token", { data: { device_code: current.device_code } })).status()).toBe(200);
    await page.reload();
    const currentRow = page.getByRole("listitem").filter({ hasText: "Current box" });
    await expect(currentRow.getByText(`v${version}`)).toBeVisible();
    await expect(currentRow.getByText("Update available")).toHaveCount(0);
  } finally {
    await agent.dispose();
  }
});

test("the chat's hint opens the dialog; closing it stops asking the server", async ({ page }) => {
  await registerNewUser(page, "add-close");
  // With no computer yet, the chat points to the dialog (it used to say to run `npx hearth pair` from the repo).
  await page.getByRole("link", { name: "Add one" }).click();
  await expect(page).toHaveURL(/\/settings\/devices\?add$/);
  const dialog = page.getByRole("dialog", { name: "Add a computer" });
  await shownLine(dialog);
  const polls: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/api/pair/install-links/")) polls.push(request.url());
  });
  await expect.poll(() => polls.length, { timeout: 6_000 }).toBeGreaterThan(0);
  await dialog.getByRole("button", { name: "Close" }).click();
  await expect(dialog).toHaveCount(0);
  // A reload does not open it again.
  await expect(page).toHaveURL(/\/settings\/devices$/);
  const after = polls.length;
  await page.waitForTimeout(5_000);
  expect(polls.length).toBe(after);
});

test("the dialog on a phone in dark mode: fits, no overlapping controls, no serious axe finding", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.emulateMedia({ colorScheme: "dark" });
  await registerNewUser(page, "add-phone");
  const dialog = await openDialog(page);
  await shownLine(dialog);
  expect(await overflowOf(page)).toBeNull();
  expect(await overlapsOf(page)).toEqual([]);
  expect(await axeFindings(page)).toEqual([]);
  // Kept with the test's results; `DOCS_SCREENSHOTS=1` also refreshes the README's copy in docs/screenshots/.
  const path = test.info().outputPath("add-computer-phone-dark.png");
  await page.screenshot({ path });
  await test.info().attach("add-computer-phone-dark.png", { path, contentType: "image/png" });
  if (process.env.DOCS_SCREENSHOTS) {
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    copyFileSync(path, SCREENSHOT);
  }

  await page.emulateMedia({ colorScheme: "light" });
  expect(await axeFindings(page)).toEqual([]);
});
