import { isAbsolute } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Sandbox } from "../connectors/sandbox.ts";
import { ActionError } from "../connectors/types.ts";
import { homeRelative } from "../permissions/store.ts";

// The path check of a bridged tool's arguments (contract 5, narrowed by the review's S5). Hearth checks what it can
// tell is a path on this computer: an argument named like a path whose value is absolute, starts with `~` or is a
// `file://` URI. A relative string is left alone, since for most servers it is not a local file (the GitHub
// server's `path` is a path inside a repository), unless the user said the server's paths are local
// (`local_paths: true` in config.json). Only programs on this computer are checked; a Streamable HTTP server
// cannot open local files, and is not sent Hearth's resolved paths. What must stay true: a checked path is passed on
// as the real path that was checked (symlinks followed), so what the server opens is what was checked.

/** How a server's path arguments are checked: not at all (a remote server), local-looking ones, or every one. */
export type PathPolicy = "none" | "local" | "all";

/** Nested objects deeper than this are passed on unchecked (a path is rarely more than a level or two down). */
const MAX_DEPTH = 4;

/** A snake_case name (or one made so: `filePath` → `file_path`) whose last word names a path, in the singular or plural. */
const PATH_NAME = /(?:^|_)(?:path|file|filename|dir|directory|folder|source|destination|cwd|root|uri)s?$/;

/** Whether an argument's name says it holds a path: `path`, `paths`, `filePath`, `output_dir`, `cwd`, `root`, `uri`, … */
export function isPathName(name: string): boolean {
  const snake = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/[-\s.]+/g, "_").toLowerCase();
  return PATH_NAME.test(snake);
}

/** The path a value names on this computer and how to write the checked one back, or null when it is not a local path. */
function localPath(value: string, policy: PathPolicy): { path: string; write: (real: string) => string } | null {
  if (/^file:/i.test(value)) {
    let path: string;
    try {
      path = fileURLToPath(value);
    } catch {
      throw new ActionError("invalid_parameters", `${value.slice(0, 200)} is not a file:// URI of this computer.`);
    }
    return { path, write: (real) => pathToFileURL(real).href };
  }
  const plain = { path: value, write: (real: string) => real };
  if (value.startsWith("~") || isAbsolute(value)) return plain;
  // Any other scheme (https://, github://…) is not a local file, whatever the policy.
  if (policy === "all" && value !== "" && !/^[a-z][a-z0-9+.-]*:/i.test(value)) return plain;
  return null;
}

/**
 * Checks every path-like argument (at any depth up to MAX_DEPTH, strings and arrays of strings under a path-like name)
 * against the sandbox, and returns the arguments with each checked path replaced by its real form, and the
 * permission scopes (each path as written and as it really is). Throws `outside_roots` for a path outside the roots.
 */
export async function confinePaths(args: Record<string, unknown>, sandbox: Sandbox, policy: PathPolicy): Promise<{ args: Record<string, unknown>; scopes: string[] }> {
  if (policy === "none") return { args, scopes: [] };
  const scopes = new Set<string>();
  const visit = async (value: unknown, pathNamed: boolean, depth: number): Promise<unknown> => {
    if (typeof value === "string") {
      const local = pathNamed ? localPath(value, policy) : null;
      if (!local) return value;
      // Resolved once: the scopes come from the same result as the path passed on.
      const resolved = await sandbox.resolve(local.path);
      scopes.add(resolved.display);
      scopes.add(homeRelative(resolved.real, sandbox.home));
      return local.write(resolved.real);
    }
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const item of value) out.push(await visit(item, pathNamed, depth));
      return out;
    }
    if (value !== null && typeof value === "object" && depth < MAX_DEPTH) {
      const out: Record<string, unknown> = {};
      for (const [name, item] of Object.entries(value)) out[name] = await visit(item, isPathName(name), depth + 1);
      return out;
    }
    return value;
  };
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) out[name] = await visit(value, isPathName(name), 1);
  return { args: out, scopes: [...scopes] };
}
