import { expect, test } from "@playwright/test";
import { registerNewUser } from "./register.ts";

// The user's say over old activity: how long each kind is kept (Settings → Activity), and the large-transaction
// alert's amount per currency (Settings → Notifications).

test("keep imported statements for good or for a period, and give each currency its own alert amount", async ({ page }) => {
  await registerNewUser(page, "keep");

  await page.goto("/settings/activity");
  const statements = page.getByLabel("Imported statements");
  await expect(statements).toHaveValue(""); // "Until I delete it"
  await expect(page.getByLabel("Added by hand")).toHaveValue("");
  await expect(page.getByLabel("Recorded by listeners and tools")).toHaveValue("365");
  await statements.selectOption({ label: "2 years" });
  await expect(page.getByRole("status").filter({ hasText: "Imported statements: saved." })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Imported statements")).toHaveValue("730");

  await page.goto("/settings/notifications");
  const rule = page.getByRole("group", { name: "Large transactions" });
  await expect(rule.getByLabel("Currency 1")).toHaveValue("USD");
  await expect(rule.getByLabel("Amount in USD")).toHaveValue("500");
  await rule.getByRole("button", { name: "Add a currency" }).click();
  const added = rule.getByRole("textbox", { name: /^Currency \d+$/ }).last();
  await added.fill("jpy");
  await rule.getByLabel("Amount in JPY").fill("1,000");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(rule.getByText("Give JPY an amount of 0 or more, without separators")).toBeVisible();
  await rule.getByLabel("Amount in JPY").fill("50000");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByRole("button", { name: "Save", exact: true })).toBeDisabled();
  await page.reload();
  await expect(page.getByRole("group", { name: "Large transactions" }).getByLabel("Amount in JPY")).toHaveValue("50000");
});
