import { z } from "zod";
import { AgentManifest } from "#protocol";
import type { ServedAgentManifest } from "#protocol";

// The pure half of serving the agent: filling the install scripts' placeholders and rewriting the manifest.
// routes.ts feeds them what env.ASSETS holds; they are tested directly, built or not.

export type ScriptKind = "sh" | "ps1";

/** The three placeholders the build leaves in `install.sh.in` / `install.ps1.in`, each inside single quotes. */
export const PLACEHOLDERS = { server: "@@HEARTH_SERVER@@", key: "@@HEARTH_INSTALL_KEY@@", runtimeBase: "@@HEARTH_RUNTIME_BASE@@" } as const;

export const DEFAULT_RUNTIME_BASE = "https://registry.npmjs.org";

// What may go between single quotes: none of these can hold a quote, a space or a newline, so a filled value can
// never end the string it sits in, in sh or in PowerShell.
const SERVER = /^https?:\/\/[A-Za-z0-9.:\-[\]]+$/;
const KEY = /^[A-Za-z0-9_-]{0,64}$/;
const RUNTIME_BASE = /^https?:\/\/[^\s'"]+$/;

export type ScriptValues = { server: string; key: string; runtimeBase: string };

/** A filled script, or why not: 400 for the caller's key, 500 for this server's own settings. */
export type Filled = { ok: true; script: string } | { ok: false; status: 400 | 500; message: string };

/**
 * The install script with its placeholders filled, or the refusal when a value may not go in (nothing is half-filled).
 * @example fillScript(template, { server: "https://hearth.example", key: "", runtimeBase: DEFAULT_RUNTIME_BASE })
 */
export function fillScript(template: string, values: ScriptValues): Filled {
  if (!KEY.test(values.key)) {
    return { ok: false, status: 400, message: "The install key (k=...) is not one this server made. Copy the line again from Settings -> Devices -> Add a computer." };
  }
  if (!SERVER.test(values.server)) return { ok: false, status: 500, message: `This server's address ${JSON.stringify(values.server)} is not a plain http(s) origin, so no script can dial it.` };
  if (!RUNTIME_BASE.test(values.runtimeBase) || values.runtimeBase.endsWith("/")) {
    return { ok: false, status: 500, message: `This server's AGENT_RUNTIME_BASE ${JSON.stringify(values.runtimeBase)} must be an http(s) URL with no quotes, spaces or trailing slash.` };
  }
  // split/join, not replace(): a `$&` in a value must stay literal text.
  const script = template.split(PLACEHOLDERS.server).join(values.server).split(PLACEHOLDERS.key).join(values.key).split(PLACEHOLDERS.runtimeBase).join(values.runtimeBase);
  return { ok: true, script };
}

/** Whether an asset is a template the build wrote (and not, say, the web app's page served for a missing file). */
export function isTemplate(text: string): boolean {
  return text.includes(PLACEHOLDERS.server);
}

/**
 * A script that only prints why it cannot install and fails: served instead of the installer, so `… | sh` and
 * `… | iex` show the reason rather than run an HTML page or a JSON error. PowerShell throws instead of `exit 1`:
 * under `irm … | iex`, `exit` would close the user's window along with the message.
 */
export function failingScript(kind: ScriptKind, message: string): string {
  if (kind === "sh") {
    const quoted = `'${message.replaceAll("'", `'\\''`)}'`;
    return `#!/bin/sh\n# Hearth could not give you its installer.\necho ${quoted} >&2\nexit 1\n`;
  }
  const quoted = `'${message.replaceAll("'", "''")}'`;
  return `# Hearth could not give you its installer.\n$global:LASTEXITCODE = 1\nthrow ${quoted}\n`;
}

export const NOT_BUILT_MESSAGE = "This Hearth server has no agent build yet: run `npm run build` on it";

// An optional var (commented in wrangler.toml), so `wrangler types` does not list it: read from the bindings here.
const RuntimeVars = z.object({ AGENT_RUNTIME_BASE: z.string().optional() });

/** The runtime base the scripts and the manifest name: AGENT_RUNTIME_BASE when set (no trailing slash), else npm's. */
export function runtimeBaseOf(env: unknown): string {
  const parsed = RuntimeVars.safeParse(env);
  const value = parsed.success ? parsed.data.AGENT_RUNTIME_BASE?.trim() : undefined;
  return value ? value.replace(/\/+$/, "") : DEFAULT_RUNTIME_BASE;
}

/** Parses the build's manifest; null when it is missing or not one (a half-written build, or an HTML page). */
export function parseManifest(text: string): AgentManifest | null {
  try {
    const parsed = AgentManifest.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The manifest as served: the bundle's absolute URL added, and the runtime base this server is set to use. */
export function serveManifest(manifest: AgentManifest, origin: string, runtimeBase: string): ServedAgentManifest {
  return {
    ...manifest,
    app: { ...manifest.app, url: `${origin}${manifest.app.path}` },
    runtime: { ...manifest.runtime, base: runtimeBase },
  };
}
