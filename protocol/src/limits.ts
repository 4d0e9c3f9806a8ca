import { z } from "zod";
import type { Failure } from "./errors.ts";

/**
 * The local limits an agent advertises in `hello`, so the server can refuse at once, with the agent's own words and
 * before any permission prompt, a command the agent would refuse anyway. They are the agent's config, not a grant:
 * the agent checks everything again (and more: links are followed only there).
 */
export const AgentLimits = z.object({
  /**
   * The filesystem connector's folders, as absolute POSIX paths; null when the agent cannot say (a Windows agent)
   * and the server leaves paths to the agent.
   */
  folders: z
    .object({
      /** The home folder, which `~` stands for. */
      home: z.string().min(1).max(4096),
      /** Where a relative path starts. */
      relative_to: z.string().min(1).max(4096),
      /** Every root, written and real (links followed): a path inside either form is inside. */
      roots: z.array(z.string().min(1).max(4096)).max(200),
      /** The roots as the user reads them (`~/Documents`), for messages. */
      shown: z.array(z.string().max(4096)).max(100),
    })
    .nullable(),
  /** The programs the agent's `shell.allow` command patterns name; null when the shell is off. The agent matches the arguments. */
  shell_programs: z.array(z.string().max(4096)).max(200).nullable(),
  /** Applications `apps.launch` may start, by name. */
  apps: z.array(z.string().max(40)).max(200),
  /** Connectors that are off on this computer, each with the agent's message saying how to turn it on. */
  off: z.record(z.string().max(40), z.string().max(1000)),
  /** Where the agent's settings live, named in messages ("add it to shell.allow in …"). */
  config_path: z.string().max(4096),
});
export type AgentLimits = z.infer<typeof AgentLimits>;

type Folders = NonNullable<AgentLimits["folders"]>;

/** A path resolved the way the agent resolves it (before links), or the failure to report. */
export type ResolvedAgentPath = { ok: true; path: string } | { ok: false; error: Failure };

/**
 * Resolves a path as the agent does before it looks at the disk: `~` and `~/…` are the home folder, a relative
 * path starts at `relative_to`, and `.`, `..` and repeated slashes are folded (`..` stops at `/`), as Node's
 * `path.posix.resolve` does. `~user` is refused. Shared by the agent and the server, so both read a path alike.
 */
export function resolveAgentPath(input: string, folders: Pick<Folders, "home" | "relative_to">): ResolvedAgentPath {
  if (input.includes("\0")) return { ok: false, error: { code: "invalid_parameters", message: "The path contains a NUL character." } };
  let expanded = input;
  if (input === "~") expanded = folders.home;
  else if (input.startsWith("~/")) expanded = `${folders.home}/${input.slice(2)}`;
  else if (input.startsWith("~")) return { ok: false, error: { code: "invalid_parameters", message: `Only your own home folder can be written as ~ (got ${input}).` } };
  const absolute = expanded.startsWith("/") ? expanded : `${folders.relative_to}/${expanded}`;
  const parts: string[] = [];
  for (const part of absolute.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return { ok: true, path: `/${parts.join("/")}` };
}

/** Whether `path` is `root` or lies under it, by whole segments (`/a/bc` is not inside `/a/b`). Both resolved. */
export function isInsideFolder(root: string, path: string): boolean {
  return root === "/" || path === root || path.startsWith(`${root}/`);
}

/** `/home/ada/x` → `~/x`, as the agent shows paths. */
export function homeRelativePath(path: string, home: string): string {
  if (path === home) return "~";
  return path.startsWith(`${home}/`) ? `~/${path.slice(home.length + 1)}` : path;
}

/** The agent's refusal for a path outside its folders (the same words on both sides). */
export function outsideRootsMessage(shown: string, roots: readonly string[]): string {
  return `${shown} is outside the folders this agent may use (${roots.join(", ")}). To allow it, add its folder to filesystem.roots in config.json.`;
}

/** Checks one path parameter against the folders; null when it may be inside. */
function checkPath(input: unknown, folders: Folders): Failure | null {
  if (typeof input !== "string") return null; // the agent's parameter check reports a wrong type
  const resolved = resolveAgentPath(input, folders);
  if (!resolved.ok) return resolved.error;
  if (folders.roots.some((root) => isInsideFolder(root, resolved.path))) return null;
  return { code: "outside_roots", message: outsideRootsMessage(homeRelativePath(resolved.path, folders.home), folders.shown) };
}

/**
 * Why the agent would refuse this command for its local limits, or null when they allow it (the agent may still
 * refuse it for other reasons). The agent runs this same check first, so the words are the same on both sides.
 */
export function checkAgentLimits(command: { target: string; action: string; parameters: Record<string, unknown> }, limits: AgentLimits): Failure | null {
  const { target, action, parameters } = command;
  const off = Object.hasOwn(limits.off, target) ? limits.off[target] : undefined;
  if (off !== undefined) return { code: "unknown_action", message: off };
  if (target === "filesystem" && limits.folders) return checkPath(parameters.path, limits.folders);
  if (target === "shell" && action === "run" && limits.shell_programs) {
    const program = parameters.program;
    if (typeof program === "string" && !limits.shell_programs.includes(program)) {
      return { code: "denied_locally", message: `${program} is not in this computer's shell allowlist (${limits.shell_programs.join(", ")}). Add it to shell.allow in ${limits.config_path} to allow it.` };
    }
    return limits.folders ? checkPath(parameters.cwd, limits.folders) : null;
  }
  if (target === "apps" && action === "launch") {
    const name = parameters.name;
    if (typeof name === "string" && !limits.apps.includes(name)) {
      const known = limits.apps.length > 0 ? `Known: ${limits.apps.join(", ")}.` : "None are configured.";
      return { code: "invalid_parameters", message: `No application is called "${name}". ${known} Add it under "apps" in ${limits.config_path}.` };
    }
  }
  return null;
}
