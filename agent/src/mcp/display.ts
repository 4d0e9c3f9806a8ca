import type { McpServerSpec } from "#protocol";

// What the user sees of a server, and what is scrubbed from anything it prints: env values, header values and URL
// credentials are secrets, so they never reach the status, a frame, the web or the log.

/** The command and its arguments, or the URL without credentials, query or fragment. */
export function describeSpec(spec: McpServerSpec): string {
  if ("command" in spec) return [spec.command, ...spec.args].map((part) => (/[\s"']/.test(part) ? JSON.stringify(part) : part)).join(" ").slice(0, 2000);
  const url = new URL(spec.url);
  const shown = `${url.protocol}//${url.host}${url.pathname}${url.search ? "?…" : ""}`;
  return shown.slice(0, 2000);
}

/** A function that replaces every secret of a spec (of 4+ characters, so a value like "1" does not blank out text) with `***`. */
export function redactor(spec: McpServerSpec): (text: string) => string {
  const secrets: string[] = [];
  if ("command" in spec) secrets.push(...Object.values(spec.env));
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
