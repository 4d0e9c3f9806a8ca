import { expect, test } from "@playwright/test";
import type { Page } from "@playwright/test";
import { PORTS } from "../playwright.config.ts";

const PASSWORD = "a long and sturdy password";
let counter = 0;
const newEmail = () => `e2e-${Date.now()}-${++counter}@example.com`;

async function register(page: Page, email: string, password = PASSWORD) {
  await page.goto("/register");
  await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Chat", level: 1 })).toBeVisible();
}

async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

test("register, sign out and sign in again", async ({ page }) => {
  const email = newEmail();
  await register(page, email);
  await expect(page).toHaveURL(/\/chat$/);
  await expect(page.getByText(email)).toBeVisible();

  // The shell's navigation is real routing.
  await page.getByRole("link", { name: "Dashboard" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();
  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page.getByText(email).last()).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByText("You're signed out.")).toBeVisible();

  // Signed out means signed out: the shell sends us back, and remembers where we were going.
  await page.goto("/notifications");
  await expect(page).toHaveURL(/\/login\?next=%2Fnotifications/);
  await signIn(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/notifications$/);
  await expect(page.getByRole("heading", { name: "Notifications", level: 1 })).toBeVisible();

  // A reload keeps the session.
  await page.reload();
  await expect(page.getByRole("heading", { name: "Notifications", level: 1 })).toBeVisible();
});

test("inline validation on the sign-up form, and a taken email", async ({ page }) => {
  const email = newEmail();
  await register(page, email);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);

  await page.goto("/register");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("Enter a valid email address, like you@example.com.")).toBeVisible();
  await expect(page.getByText("Use at least 10 characters for your password.")).toBeVisible();

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  // The server answers as for a new email and signs nobody in; the page says so without asserting the account.
  await expect(page.getByRole("status")).toContainText(`You were not signed in, so ${email} may have an account already.`);
  await expect(page).toHaveURL(/\/register/);
  await page.getByRole("status").getByRole("link", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/login/);
});

test("a wrong password is refused, then too many lock the email out", async ({ page }) => {
  const email = newEmail();
  await register(page, email);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);

  for (let i = 1; i <= 5; i++) {
    await signIn(page, email, `wrong password ${i}`);
    await expect(page.getByRole("alert")).toHaveText(/don't match/);
    await expect(page.getByLabel("Password", { exact: true })).toHaveValue("");
  }
  // Even the right password is refused now, and the page says how long to wait.
  await signIn(page, email, PASSWORD);
  await expect(page.getByRole("alert")).toHaveText(/Too many failed sign-ins.*Wait 15 minutes/);
  await expect(page).toHaveURL(/\/login/);
});

test("a session that ends while the tab is open returns to sign-in with a message", async ({ page, context }) => {
  await register(page, newEmail());
  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();

  // The server forgets the session (as when it is revoked); the tab notices when it is next looked at.
  const [cookie] = await context.cookies();
  if (cookie?.name !== "hearth_session") throw new Error("expected the session cookie");
  await context.addCookies([{ ...cookie, value: "no-longer-valid" }]);
  await page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));

  await expect(page).toHaveURL(/\/login\?next=%2Fsettings&reason=expired/);
  await expect(page.getByText("Your session expired. Sign in again")).toBeVisible();
});

test("an idle session times out on its own", async ({ page }) => {
  // This server's sessions go idle after 6 seconds; nobody touches the tab.
  const base = `http://localhost:${PORTS.shortSessions}`;
  await page.goto(`${base}/register`);
  await page.getByLabel("Email").fill(newEmail());
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Chat", level: 1 })).toBeVisible();

  await expect(page).toHaveURL(/\/login\?next=%2Fchat&reason=expired/, { timeout: 20_000 });
  await expect(page.getByText("Your session expired.")).toBeVisible();
});

test.describe("on a phone, in dark mode", () => {
  test.use({ viewport: { width: 390, height: 844 }, colorScheme: "dark", isMobile: true, hasTouch: true });

  test("the shell fits and the navigation is a bottom bar", async ({ page }) => {
    await register(page, newEmail());
    const nav = page.getByRole("navigation", { name: "Main" });
    const box = await nav.boundingBox();
    expect(box?.y).toBeGreaterThan(844 - 120);
    expect(box?.width).toBeLessThanOrEqual(390);
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(390);

    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe("rgb(23, 20, 15)");
    await nav.getByRole("link", { name: "Settings" }).tap();
    await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
  });
});
