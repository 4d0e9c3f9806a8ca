import { expect } from "@playwright/test";
import type { Page } from "@playwright/test";

export const PASSWORD = "a long and sturdy password";

/** Registers a fresh user through the sign-up page and waits for the signed-in app (it opens on Chat). */
export async function registerNewUser(page: Page, prefix: string): Promise<string> {
  const email = `${prefix}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  await page.goto("/register");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Chat", level: 1 })).toBeVisible();
  return email;
}
