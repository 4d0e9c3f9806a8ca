// `npm run demo`: create (or reset) a demo account with about thirteen months of made-up money — pay, rent, bills,
// subscriptions, groceries, eating out, Amazon orders, an unusual spell — and four months of job search (25
// applications, their history and interviews) in the same local D1 that `npm start` uses, so a
// newcomer sees the dashboard filled in. Every row is tagged "demo". Running it again replaces the demo rows.
//
// It writes through `wrangler d1 execute --local`, so the server need not be running. It may be: both open the same
// SQLite file, whose locking keeps their writes apart; an open dashboard shows the demo after a reload.
//
// Options:
//   --persist-to DIR  the local state to fill, as given to `npm start` (default .wrangler/state)
//   --port N          the port `npm start` serves on, for the address printed at the end (default 8787, or $PORT)
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { hashPassword } from "../worker/src/auth/password.ts";
import { DEMO_ACCOUNT, DEMO_DAYS, demoEvents, demoSql } from "./demo/index.mjs";
import { describeMigrations, migrationNames } from "./start/output.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PORT ?? "8787" },
    "persist-to": { type: "string", default: ".wrangler/state" },
  },
});
const persistTo = values["persist-to"];
const url = `http://localhost:${Number(values.port)}`;

// Quiet, offline-friendly wrangler, as in start.mjs.
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

/**
 * Runs one step and returns its output; it is shown only when the step fails (wrangler's is long and alarming).
 * @param {string} label
 * @param {string} command
 * @param {string[]} args
 */
function step(label, command, args) {
  console.log(`\n▸ ${label}`);
  const result = spawnSync(command, args, { cwd: root, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  if (result.status !== 0) {
    console.error(`${output}\n✗ ${label} failed (${result.error ? result.error.message : `exit ${result.status ?? result.signal}`}). Above is its full output.`);
    process.exit(result.status || 1);
  }
  return output;
}

/** True when a Hearth server answers on `url`. */
async function serverIsUp() {
  try {
    return (await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

const migrated = step("Applying database migrations (local D1)", "wrangler", ["d1", "migrations", "apply", "hearth", "--local", "--persist-to", persistTo]);
console.log(`  ${describeMigrations(migrationNames(migrated))}`);

const now = new Date();
const events = demoEvents(now);
const count = (/** @type {string} */ type) => events.filter((event) => event.activity_type === type).length;
console.log(`\n▸ Making ${DEMO_DAYS} days of demo activity, up to now: ${count("financial")} transactions (USD), ` +
  `${count("job")} job applications, ${count("browser") + count("system")} browser and system rows`);
const sql = demoSql({ account: DEMO_ACCOUNT, passwordHash: await hashPassword(DEMO_ACCOUNT.password), events, now: now.getTime() });

// D1 runs the file as one transaction: if any statement fails, nothing of the demo is written.
console.log(`\n▸ Loading the demo account into the local D1 (${persistTo})`);
const scratch = mkdtempSync(join(tmpdir(), "hearth-demo-"));
let loaded;
try {
  const file = join(scratch, "demo.sql");
  writeFileSync(file, sql);
  // --json, because otherwise wrangler prints every statement's result: hundreds of lines that say nothing.
  loaded = spawnSync("wrangler", ["d1", "execute", "hearth", "--local", "--persist-to", persistTo, "--file", file, "--yes", "--json"], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
if (loaded.status !== 0) {
  console.error(loaded.stdout);
  console.error(`\n✗ Loading the demo account failed (exit ${loaded.status ?? loaded.signal}); nothing was changed. See the error above.`);
  process.exit(loaded.status ?? 1);
}

// Say how to get there: the same options `npm start` needs to serve this state on this port.
const startOptions = [
  ...(persistTo === ".wrangler/state" ? [] : ["--persist-to", persistTo]),
  ...(values.port === (process.env.PORT ?? "8787") ? [] : ["--port", values.port]),
];
const signIn = `sign in as ${DEMO_ACCOUNT.email} with password "${DEMO_ACCOUNT.password}"`;
console.log(`
✓ The demo account is ready: ${events.length} activities, all tagged "demo".

  ${
    (await serverIsUp())
      ? `Hearth is running: open ${url} and ${signIn} (reload the page if it is already open).`
      : `Run \`npm start${startOptions.length ? ` -- ${startOptions.join(" ")}` : ""}\`, then open ${url} and ${signIn}.`
  }
  The dashboard shows the last ${DEMO_DAYS} days. Run \`npm run demo\` again at any time to reset the demo account.
`);
