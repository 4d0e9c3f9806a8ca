import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;

// One `vitest run` runs both: the worker and relay inside workerd (real D1, real migrations),
// and the agent in Node.
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(async () => ({
            main: `${root}/worker/src/index.ts`,
            wrangler: { configPath: `${root}/wrangler.toml` },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations(`${root}/migrations`),
              },
            },
          })),
        ],
        test: {
          name: "worker",
          include: ["worker/**/*.test.ts", "relay/**/*.test.ts"],
          setupFiles: ["worker/test/apply-migrations.ts"],
          // A fake OpenAI-compatible server on loopback (an outside service), for the assistant's model path.
          globalSetup: ["worker/test/fake-openai-setup.ts"],
        },
      },
      {
        test: {
          name: "agent",
          environment: "node",
          // node:sqlite still prints an ExperimentalWarning on Node 22; the agent silences it the same way.
          execArgv: ["--disable-warning=ExperimentalWarning"],
          include: ["agent/**/*.test.ts"],
        },
      },
    ],
  },
});
