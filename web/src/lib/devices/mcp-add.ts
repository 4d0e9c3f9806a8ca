import { McpAddParameters, McpServerName, McpServerSpec } from "#protocol/mcp.ts";
import type { Json } from "#protocol";

// The "Add a server" form, read into `mcp.add` parameters and checked with the protocol's own schemas, so what the
// agent would refuse is said next to the field at fault before anything is sent. This module brings zod: the form
// loads it with import() when it opens (issue 17's page weight), and its tests import it directly.

/** What the form holds: a name, and either a program (stdio) or a Streamable HTTP address. */
export type McpAddForm = {
  name: string;
  transport: "stdio" | "http";
  command: string;
  /** One argument per line. */
  args: string;
  /** KEY=VALUE, one per line. */
  env: string;
  url: string;
};

export type McpAddField = "name" | "command" | "args" | "env" | "url";

export const EMPTY_ADD_FORM: McpAddForm = { name: "", transport: "stdio", command: "", args: "", env: "", url: "" };

/**
 * The `mcp.add` parameters the form describes, or the first problem per field.
 * @example readAddForm({ ...EMPTY_ADD_FORM, name: "files", command: "npx", args: "-y\n@modelcontextprotocol/server-filesystem\n~/Documents" })
 * // { ok: true, parameters: { name: "files", server: { command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "~/Documents"], env: {} } } }
 */
export function readAddForm(form: McpAddForm): { ok: true; parameters: Record<string, Json> } | { ok: false; errors: Partial<Record<McpAddField, string>> } {
  const errors: Partial<Record<McpAddField, string>> = {};
  const name = McpServerName.safeParse(form.name.trim());
  if (!name.success) errors.name = form.name.trim() === "" ? "Give the server a name, like files or notes." : (name.error.issues[0]?.message ?? "Use a lower-case name like files.");

  let server: Record<string, Json> | null = null;
  if (form.transport === "stdio") {
    const env = readEnv(form.env);
    if (!env.ok) errors.env = env.error;
    const args = lines(form.args);
    const spec = { command: form.command.trim(), args, env: env.ok ? env.env : {} };
    const [stdio] = McpServerSpec.options;
    const checked = stdio.safeParse(spec);
    if (!checked.success) {
      for (const issue of checked.error.issues) {
        const field = issue.path[0] === "args" ? "args" : issue.path[0] === "env" ? "env" : "command";
        errors[field] ??= field === "command" && spec.command === "" ? "Say which program to run, like npx or /usr/local/bin/my-server." : issue.message;
      }
    }
    server = spec;
  } else {
    const spec = { url: form.url.trim(), headers: {} };
    const [, http] = McpServerSpec.options;
    const checked = http.safeParse(spec);
    if (!checked.success) errors.url = checked.error.issues[0]?.message ?? "Use an http:// or https:// address.";
    server = spec;
  }

  if (Object.keys(errors).length > 0 || !name.success) return { ok: false, errors };
  const parameters = { name: name.data, server };
  // The whole request, as the agent will check it: a form that passes here is not refused there for its shape.
  const whole = McpAddParameters.safeParse(parameters);
  if (!whole.success) return { ok: false, errors: { name: whole.error.issues[0]?.message ?? "Check the fields and try again." } };
  return { ok: true, parameters };
}

/** Non-empty lines, as typed (an argument may contain spaces; the computer runs no shell). */
function lines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim() !== "");
}

/** KEY=VALUE lines into an object; the first malformed line is the error. */
export function readEnv(text: string): { ok: true; env: Record<string, string> } | { ok: false; error: string } {
  const env: Record<string, string> = {};
  const all = text.split(/\r?\n/);
  for (const [index, line] of all.entries()) {
    if (line.trim() === "") continue;
    const at = line.indexOf("=");
    const key = at < 0 ? "" : line.slice(0, at).trim();
    if (at < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      return { ok: false, error: `Line ${index + 1} is not KEY=VALUE (a name of letters, digits and _, then =, then the value).` };
    }
    env[key] = line.slice(at + 1);
  }
  return { ok: true, env };
}
