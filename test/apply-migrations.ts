import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Each test file starts from the real migrations, applied to a real (local) D1.
if (!env.TEST_MIGRATIONS?.length) throw new Error("TEST_MIGRATIONS is empty: vitest.config.ts should read migrations/");
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
