import { Secret, TOTP } from "otpauth";
import { expect } from "vitest";
import type { TestClient } from "./client.ts";

const STEP_MS = 30_000;

/** The code an authenticator app shows `steps` 30-second steps from now (−1, 0 and 1 are all accepted, each once). */
export function codeFor(secret: string, steps = 0): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + steps * STEP_MS });
}

/** Sets up an authenticator app for the signed-in client (spending the previous step's code); returns its secret and recovery codes. */
export async function enrolTotp(client: TestClient): Promise<{ secret: string; uri: string; recoveryCodes: string[] }> {
  const setup = await client.request("POST", "/api/auth/totp/setup");
  expect(setup.status).toBe(200);
  const { secret, uri }: { secret: string; uri: string } = await setup.json();
  const confirm = await client.request("POST", "/api/auth/totp/confirm", { json: { code: codeFor(secret, -1) } });
  expect(confirm.status).toBe(200);
  const { recovery_codes }: { recovery_codes: string[] } = await confirm.json();
  return { secret, uri, recoveryCodes: recovery_codes };
}
