// What `npm start` shows of the tools it runs. A newcomer should see a short, calm summary; wrangler prints a
// banner, its bindings, a table of every migration once per migration applied, a warning about cron triggers and a
// line per HTTP request. The full output is kept for when something fails, and `--verbose` shows all of it.

// Colours and styles, so patterns match what the terminal shows.
const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * Lines of `wrangler dev` known to be harmless on a local start, matched after colours are stripped and the line is
 * trimmed. Anything not listed here (an error, a stack, the worker's own console output) is shown.
 */
const DEV_NOISE = [
  /^$/,
  /^⛅️ wrangler \d/, // the banner (and its "update available" note)
  /^─+$/,
  /^Your Worker has access to the following bindings:$/,
  /^Binding\s+Resource\s+Mode$/,
  /^env\.\S+.*\s(local|remote)$/,
  // The daily retention job is a cron trigger, which local development does not fire by itself; nothing is lost.
  /Scheduled Workers are not automatically triggered during local development\.$/,
  /^To manually trigger a scheduled event, run:$/,
  /^curl "http:\/\/localhost:\d+\/cdn-cgi\/local\/scheduled"$/,
  /^For more details, see https:\/\/developers\.cloudflare\.com\/workers\/configuration\/cron-triggers\//,
  /^⎔ Starting local server\.\.\.$/,
  /^⎔ Reloading local server\.\.\.$/,
  /^⎔ Local server updated and ready$/,
  /^\[wrangler:info\] Ready on http/,
  /inspector port \d+ not available/i,
  // One line per request that went well, or that the app answered with a 4xx itself; a 5xx is kept.
  /^\[wrangler:info\] [A-Z]+ \S+ [1-4]\d\d\b/,
];

/**
 * The line as the terminal shows it, without colours.
 * @param {string} line
 */
export const plain = (line) => line.replace(ANSI, "").trim();

/**
 * Whether a line of `wrangler dev` output is known noise on a local start.
 * @param {string} line
 */
export function isDevNoise(line) {
  const text = plain(line);
  return DEV_NOISE.some((pattern) => pattern.test(text));
}

/**
 * The migrations `wrangler d1 migrations apply` named, in order, from its output (it prints its table of them
 * once before applying and again after each one).
 * @param {string} output
 * @returns {string[]}
 */
export function migrationNames(output) {
  const names = [...plain(output).matchAll(/│\s*(\d{4}_[^\s│]+)\.sql\s*│/g)].map((match) => match[1] ?? "");
  return [...new Set(names)];
}

/**
 * One line about the database: how many migrations were applied now, and which.
 * @param {string[]} names
 * @example describeMigrations(["0000_init", "0001_machine_link"]) // "2 migrations applied (0000_init, 0001_machine_link)"
 */
export function describeMigrations(names) {
  if (names.length === 0) return "up to date (no new migrations)";
  const which = names.length <= 3 ? names.join(", ") : `${names[0]} … ${names.at(-1)}`;
  return `${names.length} migration${names.length === 1 ? "" : "s"} applied (${which})`;
}
