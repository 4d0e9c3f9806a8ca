import { expect } from "@playwright/test";
import type { Page } from "@playwright/test";
import { Secret, TOTP } from "otpauth";

/** The code an authenticator app shows `steps` 30-second steps from now. Each step's code is accepted once. */
export const codeFor = (secret: string, steps = 0): string => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + steps * 30_000 });

/** Sets up an authenticator app for the page's signed-in user through the API (spending the previous step's code); returns its secret. */
export async function enrolTotpByApi(page: Page, baseURL: string): Promise<string> {
  const headers = { origin: baseURL };
  const setup: { secret: string } = await (await page.request.post("/api/auth/totp/setup", { headers })).json();
  expect((await page.request.post("/api/auth/totp/confirm", { data: { code: codeFor(setup.secret, -1) }, headers })).status()).toBe(200);
  return setup.secret;
}
