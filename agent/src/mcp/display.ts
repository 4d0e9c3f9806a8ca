import type { McpServerSpec } from "#protocol";

// What the user sees of a server, and what is scrubbed from anything it prints: env values, header values, URL
// credentials and query, and arguments that name themselves secret (`--api-key X`, `--token=X`) never reach the
// status, a frame, the web or the log.

// A flag one of whose words (split at - and _) says secret: --api-key, --auth-token, --client_secret; not --keyboard.
const SECRET_FLAG = /^--?(?:[a-z0-9]+[-_])*(?:key|apikey|token|secret|password|passwd|pwd|auth|authorization|credentials?)(?:[-_][a-z0-9]+)*$/i;

/** The arguments that are secret: the value after a secret-named flag, or the value part of `--flag=value`. */
function secretArgs(args: readonly string[]): string[] {
  const secrets: string[] = [];
  args.forEach((arg, index) => {
    const eq = arg.indexOf("=");
    if (eq > 0 && SECRET_FLAG.test(arg.slice(0, eq))) secrets.push(arg.slice(eq + 1));
    else if (SECRET_FLAG.test(arg) && index + 1 < args.length) secrets.push(args[index + 1] ?? "");
  });
  return secrets;
}

/** The command and its arguments (secret ones as `***`), or the URL without credentials, query or fragment. */
export function describeSpec(spec: McpServerSpec): string {
  if ("command" in spec) {
    const hide = redactor(spec);
    return hide([spec.command, ...spec.args].map((part) => (/[\s"']/.test(part) ? JSON.stringify(part) : part)).join(" ")).slice(0, 2000);
  }
  const url = new URL(spec.url);
  return `${url.protocol}//${url.host}${url.pathname}${url.search ? "?…" : ""}`.slice(0, 2000);
}

/** A function that replaces every secret of a spec (of 4+ characters, so a value like "1" does not blank out text) with `***`. */
export function redactor(spec: McpServerSpec): (text: string) => string {
  const secrets: string[] = [];
  if ("command" in spec) secrets.push(...Object.values(spec.env), ...secretArgs(spec.args));
  else {
    // A header like "Bearer <token>": the token alone is a secret too.
    for (const value of Object.values(spec.headers)) secrets.push(value, ...value.split(/\s+/).filter((part) => part.length >= 8));
    const url = new URL(spec.url);
    secrets.push(url.password, decodeURIComponent(url.password), url.username, decodeURIComponent(url.username), url.search.slice(1));
    for (const value of url.searchParams.values()) secrets.push(value);
  }
  const kept = [...new Set(secrets.filter((secret) => secret.length >= 4))].sort((a, b) => b.length - a.length);
  return (text) => kept.reduce((out, secret) => out.split(secret).join("***"), text);
}
