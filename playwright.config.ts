import { defineConfig, devices } from "@playwright/test";

// End-to-end tests in Debian's Chromium against real `wrangler dev` servers (real worker, D1 and Durable Objects).
// `npm run test:e2e` builds the web app once; each server starts from empty state.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// E2E_PORT moves both servers (to run two checkouts' suites side by side).
const base = Number(process.env.E2E_PORT ?? 8790);
export const PORTS = { app: base, shortSessions: base + 1 } as const;

const server = (port: number, ...extra: string[]) => ({
  command: `node scripts/start.mjs --skip-build --fresh --port ${port} --persist-to .wrangler/e2e-${port} ${extra.join(" ")}`,
  url: `http://localhost:${port}/api/health`,
  reuseExistingServer: false,
  timeout: 120_000,
  stdout: "ignore" as const,
  stderr: "pipe" as const,
});

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? "list" : [["list"]],
  use: {
    ...devices["Desktop Chrome"],
    baseURL: `http://localhost:${PORTS.app}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: [
    // Webhooks may reach the test's receiver on loopback: the explicit local-development setting.
    server(PORTS.app, "--var WEBHOOKS_ALLOW_PRIVATE:true"),
    // Sessions that go idle after 6 seconds, to watch one expire for real.
    server(PORTS.shortSessions, "--var SESSION_IDLE_MINUTES:0.1"),
  ],
});
