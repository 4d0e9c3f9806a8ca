import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { fixturesDir } from "./core/src/importers/fixtures.ts";
import { startFakeOpenAi } from "./test/fake-openai.ts";

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
                // Webhooks reach the receiver on loopback (the explicit local-dev setting), and action links are signed.
                WEBHOOKS_ALLOW_PRIVATE: "true",
                ACTION_LINK_SECRET: "test-only-action-link-secret-0123456789abcdef",
                PUBLIC_URL: "http://hearth.test",
              },
              // A stand-in agent build (test/fixtures/agent-build.md): web/build does not exist yet when `npm test`
              // runs these, and must not change what they see when it does.
              assets: { directory: `${root}/test/fixtures/agent-build`, notFoundHandling: "single-page-application" },
            },
          })),
        ],
        // The shared real-world fixtures wherever they are (../shared beside the checkout, or HEARTH_FIXTURES), for
        // worker tests that import one as text (`@shared-fixtures/csv/….csv?raw`).
        resolve: { alias: { "@shared-fixtures": fixturesDir() } },
        test: {
          name: "worker",
          include: ["worker/**/*.test.ts", "relay/**/*.test.ts", "core/**/*.test.ts", "test/**/*.test.ts"],
          exclude: ["**/*.llm.test.ts", "**/node_modules/**", "core/src/importers/**"],
          setupFiles: ["test/apply-migrations.ts"],
          // Outside services as real servers on loopback: a fake OpenAI-compatible endpoint, for the assistant's
          // model path, and a webhook receiver that verifies signatures with the standardwebhooks package.
          globalSetup: ["test/fake-openai-setup.ts", "test/webhook-receiver-setup.ts"],
        },
      },
      {
        // The same worker with a language model configured: a fake OpenAI-compatible server on loopback,
        // started here because the relay reads its settings from bindings. Its tests script it over HTTP.
        plugins: [
          cloudflareTest(async () => {
            const fake = await startFakeOpenAi({ unref: true });
            return {
              main: `${root}/worker/src/index.ts`,
              wrangler: { configPath: `${root}/wrangler.toml` },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: await readD1Migrations(`${root}/migrations`),
                  HEARTH_MODEL: "fake-model",
                  OPENAI_BASE_URL: fake.url,
                  HEARTH_MODEL_TIMEOUT_SECONDS: "1",
                },
              },
            };
          }),
        ],
        test: {
          name: "assistant-llm",
          include: ["worker/**/*.llm.test.ts", "core/**/*.llm.test.ts"],
          setupFiles: ["test/apply-migrations.ts"],
        },
      },
      {
        test: {
          name: "agent",
          environment: "node",
          // The statement importers' tests (on the real-world fixtures), the scripts' and bench/'s run here, in Node.
          // node:sqlite still prints an ExperimentalWarning on Node 22; the agent silences it the same way.
          execArgv: ["--disable-warning=ExperimentalWarning"],
          include: ["agent/**/*.test.ts", "core/src/importers/**/*.test.ts", "scripts/**/*.test.mjs", "bench/**/*.test.mjs"],
        },
      },
      {
        // The web app's pure modules (no DOM, no Svelte), in Node. (protocol/'s tests live in test/protocol/, in workerd.)
        test: {
          name: "web",
          environment: "node",
          include: ["web/src/**/*.test.ts"],
          globalSetup: ["scripts/web-test-setup.mjs"],
        },
      },
    ],
  },
});
