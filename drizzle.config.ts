import { defineConfig } from "drizzle-kit";

// `npm run db:generate` writes SQL migrations from the schema; wrangler applies them (same folder).
export default defineConfig({
  dialect: "sqlite",
  schema: "./core/src/db/schema.ts",
  out: "./migrations",
});
