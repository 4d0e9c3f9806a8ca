import type { McpServerSpec } from "#protocol";

// What the user sees of a server, and what is scrubbed from anything it prints: env values, header values, URL
// credentials and query (of the server's address, or of any argument that is a URL), header arguments
// (`--header "Authorization: Bearer …"`) and arguments that name themselves secret (`--api-key X`, `--token=X`)
// never reach the status, a frame, the web or the log.

// A flag one of whose words (split at - and _) says secret: --api-key, --auth-token, --client_secret; not --keyboard.
const SECRET_FLAG = /^--?(?:[a-z0-9]+[-_])*(?:key|apikey|token|secret|password|passwd|pwd|auth|authorization|credentials?)(?:[-_][a-z0-9]+)*$/i;
/** The flags whose value is an HTTP header (mcp-remote, curl): its value is a secret whatever the header's name. */
const HEADER_FLAG = /^(?:--header|-H)$/;
/** An argument shaped like a header whose name says secret: `Authorization: Bearer …`, `X-Api-Key: …`, `Cookie: …`. */
const SECRET_HEADER = /^\s*((?:authorization|proxy-authorization|cookie|x-api-key|[\w-]*(?:token|secret|key|password)[\w-]*)\s*:)(.*)$/is;

/** A URL argument with credentials or a query (`postgresql://bob:pw@db/x`, `https://x/sse?key=…`), or null. */
function secretUrl(text: string): URL | null {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return null;
  try {
    const url = new URL(text);
    return url.username || url.password || url.search ? url : null;
  } catch {
    return null;
  }
}

/** A URL as shown: no credentials, the query as `?…`, no fragment. */
function showUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}${url.search ? "?…" : ""}`;
}

/** The secrets of a URL: its credentials (as written and decoded), its query and each query value. */
function urlSecrets(url: URL): string[] {
  const secrets = [url.password, decodeURIComponent(url.password), url.username, decodeURIComponent(url.username), url.search.slice(1)];
  for (const value of url.searchParams.values()) secrets.push(value);
  return secrets;
}

/** A secret value and, as a header like "Bearer <token>" has, each of its words of 8 or more characters. */
const withWords = (value: string): string[] => [value.trim(), ...value.split(/[\s;,=]+/).filter((part) => part.length >= 8)];

/** A header argument's value part (after the colon) when its name says secret. */
const secretHeaderValue = (arg: string): string | null => SECRET_HEADER.exec(arg)?.[2] ?? null;

/**
 * The secrets in a program's arguments: the value after a secret-named flag or `--header`/`-H`, the value part of
 * `--flag=value`, the value of a header-shaped argument with a secret name, and the credentials and query of a URL.
 */
function secretArgs(args: readonly string[]): string[] {
  const secrets: string[] = [];
  args.forEach((arg, index) => {
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = eq > 0 ? arg.slice(eq + 1) : (args[index + 1] ?? "");
    const hasValue = eq > 0 || index + 1 < args.length;
    if (SECRET_FLAG.test(flag) && hasValue) secrets.push(...withWords(value));
    if (HEADER_FLAG.test(flag) && hasValue) {
      const header = value.indexOf(":");
      secrets.push(...withWords(header >= 0 ? value.slice(header + 1) : value));
    }
    const headerValue = secretHeaderValue(arg);
    if (headerValue !== null) secrets.push(...withWords(headerValue));
    for (const part of [arg, ...(eq > 0 ? [arg.slice(eq + 1)] : [])]) {
      const url = secretUrl(part);
      if (url) secrets.push(...urlSecrets(url));
    }
  });
  return secrets;
}

/** An argument as shown: a URL with credentials or a query (alone or as `--flag=URL`) without them. */
function showArg(arg: string): string {
  const eq = arg.indexOf("=");
  const url = secretUrl(arg);
  if (url) return showUrl(url);
  const valueUrl = eq > 0 ? secretUrl(arg.slice(eq + 1)) : null;
  return valueUrl ? `${arg.slice(0, eq + 1)}${showUrl(valueUrl)}` : arg;
}

/** The command and its arguments (secret ones as `***`), or the URL without credentials, query or fragment. */
export function describeSpec(spec: McpServerSpec): string {
  if ("command" in spec) {
    const hide = redactor(spec);
    return hide([spec.command, ...spec.args].map(showArg).map((part) => (/[\s"']/.test(part) ? JSON.stringify(part) : part)).join(" ")).slice(0, 2000);
  }
  return showUrl(new URL(spec.url)).slice(0, 2000);
}

/** A function that replaces every secret of a spec (of 4+ characters, so a value like "1" does not blank out text) with `***`. */
export function redactor(spec: McpServerSpec): (text: string) => string {
  const secrets: string[] = [];
  if ("command" in spec) secrets.push(...Object.values(spec.env), ...secretArgs(spec.args));
  else {
    // A header like "Bearer <token>": the token alone is a secret too.
    for (const value of Object.values(spec.headers)) secrets.push(value, ...withWords(value));
    secrets.push(...urlSecrets(new URL(spec.url)));
  }
  const kept = [...new Set(secrets.filter((secret) => secret.length >= 4))].sort((a, b) => b.length - a.length);
  return (text) => kept.reduce((out, secret) => out.split(secret).join("***"), text);
}
