import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import type { Page } from "@playwright/test";
import { pairAndStart } from "./paired-agent.ts";
import { PASSWORD, registerNewUser } from "./register.ts";
import { codeFor } from "./totp.ts";

// Second factors in Chromium against the real worker: an authenticator app set up from the settings page (codes
// computed here from its secret, as the app would), recovery codes, a passkey on Chromium's virtual authenticator,
// and the step-up dialog on a write approval.

async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
}

async function passwordStep(page: Page, email: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** Sets up the authenticator app through the settings page; returns its secret and the recovery codes shown. */
async function enrolTotp(page: Page): Promise<{ secret: string; codes: string[] }> {
  await page.goto("/settings/security");
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  const secret = (await page.locator(".secret code").innerText()).replace(/\s+/g, "");
  await page.getByLabel("Code the app shows now").fill(codeFor(secret, -1));
  await page.getByRole("button", { name: "Turn on" }).click();
  const list = page.getByRole("region", { name: "Your recovery codes" });
  await expect(list.getByRole("listitem")).toHaveCount(10);
  const codes = await list.locator("code").allInnerTexts();
  await list.getByRole("button", { name: "I've saved them" }).click();
  await expect(page.getByText("On. Sign-in and approvals can ask")).toBeVisible();
  return { secret, codes };
}

test("an authenticator app: set up from its QR page, sign in with a code, and with a recovery code only once", async ({ page }) => {
  const email = await registerNewUser(page, "totp");
  const { secret, codes } = await enrolTotp(page);
  await signOut(page);

  await passwordStep(page, email);
  await expect(page.getByRole("heading", { name: "Confirm it's you" })).toBeVisible();
  await page.getByLabel("Code from your authenticator app").fill("000000");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByText("That code is not right")).toBeVisible();
  await page.getByLabel("Code from your authenticator app").fill(codeFor(secret, 0));
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Chat", level: 1 })).toBeVisible();
  await signOut(page);

  const recovery = codes[0] ?? "";
  for (const attempt of ["works", "refused"] as const) {
    await passwordStep(page, email);
    await page.getByRole("button", { name: "Use a recovery code instead" }).click();
    await page.getByLabel("Recovery code").fill(recovery);
    await page.getByRole("button", { name: "Continue" }).click();
    if (attempt === "works") {
      await expect(page.getByRole("heading", { name: "Chat", level: 1 })).toBeVisible();
      await signOut(page);
    } else {
      await expect(page.getByText("That recovery code is not right, or was already used")).toBeVisible();
    }
  }
});

test("a passkey: added in settings on Chromium's virtual authenticator, then used to sign in without a password", async ({ page }) => {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  const email = await registerNewUser(page, "passkey");
  await page.goto("/settings/security");
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await page.getByLabel("Name this passkey").fill("Test laptop");
  await page.getByRole("button", { name: "Create passkey" }).click();
  await expect(page.getByText("Test laptop")).toBeVisible();
  await expect(page.getByText("Never used")).toBeVisible();
  await signOut(page);

  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page.getByRole("heading", { name: "Chat", level: 1 })).toBeVisible();
  await expect(page.getByTitle(email)).toBeVisible();
  await page.goto("/settings/security");
  await expect(page.getByText("Last used")).toBeVisible();
});

test("a write approval asks for a fresh code in a small dialog, then goes through; nothing runs before", async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  const email = await registerNewUser(page, "stepup");
  const { agent, deviceId } = await pairAndStart(page, baseURL, "Step-up laptop");
  try {
    const { secret } = await enrolTotp(page);
    // Sign-in by password alone (the owner turned the requirement off): that proves nothing for an account with a factor.
    await page.getByLabel("Require a second factor for every sign-in").uncheck();
    await expect(page.getByLabel("Require a second factor for every sign-in")).not.toBeChecked();
    // The box flips at once; the setting is stored when the page says so (signing out before that raced the save).
    await expect(page.getByText("Saved.", { exact: true })).toBeAttached();
    await signOut(page);
    await passwordStep(page, email);
    await expect(page.getByRole("heading", { name: "Chat", level: 1 })).toBeVisible();

    const dispatched = await page.request.post("/api/commands", {
      data: { device_id: deviceId, command: { target: "filesystem", action: "write", parameters: { path: "~/note.txt", content: "hello" } } },
      headers: { origin: baseURL },
    });
    expect(dispatched.status()).toBe(202);
    const prompt = page.getByRole("alertdialog", { name: "Step-up laptop wants to write filesystem" });
    await prompt.getByRole("button", { name: "Allow once" }).click();

    const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByText("approve a command that changes things on your computer")).toBeVisible();
    expect(existsSync(join(agent.root, "note.txt"))).toBe(false);
    await dialog.getByLabel("Code from your authenticator app").fill(codeFor(secret, 0));
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(prompt).toHaveCount(0);
    await expect.poll(() => existsSync(join(agent.root, "note.txt")), { timeout: 20_000 }).toBe(true);
    expect(readFileSync(join(agent.root, "note.txt"), "utf8")).toBe("hello");
  } finally {
    agent.kill();
  }
});
