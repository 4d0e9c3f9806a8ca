import { expect, test } from "@playwright/test";
import { registerNewUser } from "./register.ts";

// The app's pages come from the Workers assets binding (web/static/_headers), the API from the worker
// (worker/src/http/headers.ts); both must carry the headers. The page's scripts run only by the hash SvelteKit
// writes into index.html, so the app starting at all, with no violation in the console, shows the policy fits.

const CSP_VIOLATION = /Content Security Policy/i;

test("the app and the API carry the security headers, and the app runs under its policy with no violation", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (CSP_VIOLATION.test(message.text())) violations.push(`${page.url()}: ${message.text()}`);
  });

  for (const path of ["/", "/settings/deep-link"]) {
    const response = await page.request.get(path);
    const headers = response.headers();
    expect(headers["content-security-policy"], path).toContain("frame-ancestors 'none'");
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    expect(headers["referrer-policy"], path).toBe("same-origin");
    expect(await response.text(), path).toMatch(/<meta http-equiv="content-security-policy" content="[^"]*script-src 'self' 'sha256-/);
  }
  const api = (await page.request.get("/api/health")).headers();
  expect(api["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(api["x-content-type-options"]).toBe("nosniff");
  expect(api["strict-transport-security"]).toBeUndefined(); // plain http here

  await registerNewUser(page, "headers");
  for (const path of ["/dashboard", "/notifications", "/settings", "/settings/webhooks"]) {
    await page.goto(path);
    await expect(page.locator("h1:visible").first()).toBeVisible();
  }
  expect(violations).toEqual([]);
});
