import { expect, test } from "@playwright/test";
import type { Browser, Page } from "@playwright/test";
import { AgentProcess } from "./agent-process.ts";
import { PASSWORD, registerNewUser } from "./register.ts";

// Settings → Account in a real browser: sessions seen from two browsers, the password change, and deleting the
// account with a real agent connected.

async function signInElsewhere(browser: Browser, email: string, password = PASSWORD): Promise<Page> {
  const other = await (await browser.newContext()).newPage();
  await other.goto("/login");
  await other.getByLabel("Email").fill(email);
  await other.getByLabel("Password", { exact: true }).fill(password);
  await other.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(other.getByRole("heading", { name: "Chat", level: 1 })).toBeVisible();
  return other;
}

/** The other browser is signed out: its next page load lands on sign-in. */
async function expectSignedOut(page: Page) {
  await page.goto("/notifications");
  await expect(page).toHaveURL(/\/login/);
}

test("sign out another browser from the sessions list", async ({ page, browser }) => {
  const email = await registerNewUser(page, "sessions");
  const other = await signInElsewhere(browser, email);

  await page.goto("/settings");
  const sessions = page.getByRole("list", { name: "Sessions" });
  await expect(sessions.getByRole("listitem")).toHaveCount(2);
  await expect(sessions.getByText("This browser")).toHaveCount(1);
  await sessions.getByRole("button", { name: /^Sign out Chrome/ }).click();
  await sessions.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "was signed out" })).toBeVisible();
  await expect(sessions.getByRole("listitem")).toHaveCount(1);

  await expectSignedOut(other);
  // This browser is still in.
  await page.reload();
  await expect(page.getByRole("heading", { name: "Account", exact: true })).toBeVisible();
});

test("changing the password signs the other browser out, and only the new one works", async ({ page, browser }) => {
  const email = await registerNewUser(page, "password");
  const other = await signInElsewhere(browser, email);
  const newPassword = "another long and sturdy password";

  await page.goto("/settings");
  await page.getByLabel("Current password").first().fill("not the password");
  await page.getByLabel("New password").fill(newPassword);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("That is not your current password.")).toBeVisible();

  await page.getByLabel("Current password").first().fill(PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Password changed. 1 other session was signed out." })).toBeVisible();
  await expect(page.getByRole("list", { name: "Sessions" }).getByRole("listitem")).toHaveCount(1);

  await expectSignedOut(other);
  await other.getByLabel("Email").fill(email);
  await other.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await other.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(other.getByText("That email and password don't match")).toBeVisible();
  await other.getByLabel("Password", { exact: true }).fill(newPassword);
  await other.getByRole("button", { name: "Sign in", exact: true }).click();
  // Back where it was heading when it found itself signed out.
  await expect(other.getByRole("heading", { name: "Notifications", level: 1 })).toBeVisible();
});

test("delete the account: the paired agent exits saying it was unpaired, and sign-in is refused", async ({ page, baseURL }) => {
  const email = await registerNewUser(page, "delete");

  // Pair a real agent through the page, which shows where the request came from.
  const agent = new AgentProcess();
  agent.run(["pair", "--server", baseURL ?? "", "--name", "Doomed laptop"], { HOME: agent.root });
  const [, code] = await agent.waitFor(/\/pair\?code=([A-Z0-9]{4}-[A-Z0-9]{4})/);
  await page.goto(`/pair?code=${code}`);
  await expect(page.getByRole("heading", { name: "Doomed laptop" })).toBeVisible();
  await expect(page.getByText("Started from")).toBeVisible();
  // The agent and this browser are on one machine: no warning.
  await expect(page.getByText("This request did not come from the network you are on.")).toHaveCount(0);
  await page.getByRole("button", { name: /^Approve/ }).click();
  await expect(page.getByText("Paired Doomed laptop.")).toBeVisible();
  expect(await agent.exited()).toBe(0);
  agent.run(["start"], { HOME: agent.root });
  await agent.waitFor(/Connected to/);

  await page.goto("/settings");
  const form = page.getByRole("form", { name: "Delete your account" });
  await form.getByRole("button", { name: "Delete my account" }).click();
  await expect(form.getByText("Type “delete my account” to confirm.")).toBeVisible();
  await form.getByLabel("Type “delete my account” to confirm").fill("delete my account");
  await form.getByLabel("Current password").fill(PASSWORD);
  await form.getByRole("button", { name: "Delete my account" }).click();

  await expect(page).toHaveURL(/\/login\?reason=deleted/);
  await expect(page.getByText("Your account was deleted, with everything in it.")).toBeVisible();
  // The agent was told, and stopped for good with exit code 3 ("pair again").
  expect(await agent.exited()).toBe(3);
  expect(agent.output).toContain("This computer was unpaired");

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByText("That email and password don't match")).toBeVisible();
});

test("a pairing started from another network is flagged on the approval page", async ({ page, playwright, baseURL }) => {
  await registerNewUser(page, "phished");
  // The attacker's agent starts the flow from their own network and sends the victim the link.
  const attacker = await playwright.request.newContext({ baseURL });
  const started = await attacker.post("/api/pair/start", { data: { name: "Totally your laptop", platform: "linux", agent_version: "0.1.0" }, headers: { "cf-connecting-ip": "203.0.113.66" } });
  const { verification_uri_complete }: { verification_uri_complete: string } = await started.json();
  await attacker.dispose();

  await page.goto(new URL(verification_uri_complete).pathname + new URL(verification_uri_complete).search);
  await expect(page.getByRole("heading", { name: "Totally your laptop" })).toBeVisible();
  const warning = page.getByRole("alert").filter({ hasText: "This request did not come from the network you are on." });
  await expect(warning).toBeVisible();
  await expect(warning).toContainText("203.0.113.66");
  await expect(page.getByRole("button", { name: "Approve anyway" })).toBeVisible();
  await page.getByRole("button", { name: "Deny" }).click();
  await expect(page.getByText("Denied.")).toBeVisible();
});
