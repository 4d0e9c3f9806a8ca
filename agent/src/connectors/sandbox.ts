import { lstat, readlink, realpath } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { homeRelative } from "../permissions/store.ts";
import { ActionError } from "./types.ts";

/** A path inside the roots: as the user wrote it (resolved) and as it really is on disk (symlinks followed). */
export type SandboxPath = { path: string; real: string; display: string };

/**
 * `mayHold`: the path may be a folder that holds one of Hearth's own (listing `~`), for actions that only read, or
 * that hide those folders themselves (the shell's sandbox). Anything else, a bridged MCP tool's path included, may
 * not name such a folder: a move or trash of `~/.config` is a swap of Hearth's settings.
 */
export type HoldOption = { mayHold?: boolean };

/** The roots to hold handles to (fs-handles.ts): their real paths, read once per action (`Sandbox.confinement`), and as shown. */
export type Confinement = { real: readonly string[]; shown: readonly string[] };

/** Whether `child` is `parent` or lies under it. Compares whole segments, so `/a/bc` is not inside `/a/b`. */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Confines the filesystem connector to its roots. A path is accepted only when both its written form and its real
 * form (every symlink followed) are inside a root, so neither `..` nor a link can lead out.
 */
export class Sandbox {
  readonly roots: readonly string[];
  readonly #home: string;
  readonly #protected: readonly string[];

  /**
   * `protect`: folders and files no action may reach even inside a root: Hearth's own settings folder (HEARTH_HOME)
   * and program. A write there would be a program start nobody approved on this computer (the agent hot-reloads
   * config.json), so they are out of bounds for every filesystem action and every bridged MCP path argument. A root
   * inside one of them is dropped, so it is neither listed nor offered to MCP servers as a root.
   */
  constructor(roots: readonly string[], home: string = homedir(), protect: readonly string[] = []) {
    this.#home = home;
    this.#protected = protect.map((path) => resolve(this.#expand(path)));
    this.roots = roots.map((root) => resolve(this.#expand(root))).filter((root) => !this.#protected.some((shielded) => isInside(shielded, root)));
  }

  /** The roots as the user reads them (`~/Documents`). */
  displayRoots(): string[] {
    return this.roots.map((root) => homeRelative(root, this.#home));
  }

  /**
   * Resolves a path the user gave (`~/…`, absolute, or relative) and checks it stays inside. A relative path is
   * read from the home folder, as a terminal opened there reads it (`Documents/taxes` is `~/Documents/taxes`): one
   * rule whatever the roots are, so the chat's `/ls Documents` and `/ls Documents/taxes` name the same folder.
   * Throws ActionError `outside_roots` when it does not. A path that does not exist yet is checked through its
   * nearest existing parent, so a new file cannot be created through a link either.
   */
  async resolve(input: string, options: HoldOption = {}): Promise<SandboxPath> {
    if (input.includes("\0")) throw new ActionError("invalid_parameters", "The path contains a NUL character.");
    const expanded = this.#expand(input);
    if (this.roots.length === 0) throw new ActionError("outside_roots", "No folders are configured. Add one to filesystem.roots in config.json.");
    const path = resolve(this.#home, expanded);
    const realRoots = await this.#realRoots();
    if (!this.roots.some((root) => isInside(root, path)) && !realRoots.some((root) => isInside(root, path))) {
      throw new ActionError("outside_roots", `${homeRelative(path, this.#home)} is outside the folders this agent may use (${this.displayRoots().join(", ")}). To allow it, add its folder to filesystem.roots in config.json.`);
    }
    const real = await realPathOfPossiblyMissing(path);
    if (!realRoots.some((root) => isInside(root, real))) {
      throw new ActionError("outside_roots", `${homeRelative(path, this.#home)} leads through a link to ${homeRelative(real, this.#home)}, which is outside the folders this agent may use (${this.displayRoots().join(", ")}).`);
    }
    await this.#refuseProtected(path, real, options.mayHold !== true);
    return { path, real, display: homeRelative(path, this.#home) };
  }

  /**
   * Refuses a path inside a protected folder (written or real form, so no link leads in); unless `mayHold`, also a
   * path that holds one, since trashing, moving or replacing `~/.config` would swap Hearth's settings for others.
   */
  async #refuseProtected(path: string, real: string, refuseHolder: boolean): Promise<void> {
    for (const shielded of this.#protected) {
      const forms = [shielded, await realPathOfPossiblyMissing(shielded)];
      const shown = homeRelative(shielded, this.#home);
      if (forms.some((form) => isInside(form, path) || isInside(form, real))) {
        throw new ActionError("outside_roots", `${homeRelative(path, this.#home)} is in ${shown}, Hearth's own settings or program, which no action may touch, even inside your folders: a change there could start a program you did not approve. Change it on the computer itself (\`hearth mcp\`, config.json).`);
      }
      if (refuseHolder && forms.some((form) => isInside(path, form) || isInside(real, form))) {
        throw new ActionError("outside_roots", `${homeRelative(path, this.#home)} holds ${shown}, Hearth's own settings or program, so it cannot be changed, moved or trashed from here. Change it on the computer itself.`);
      }
    }
  }

  /** The permission scopes of a path: its written and its real form, as `~/…` when under home. */
  async scopes(input: string, options: HoldOption = {}): Promise<string[]> {
    const { path, real } = await this.resolve(input, options);
    return [...new Set([homeRelative(path, this.#home), homeRelative(real, this.#home)])];
  }

  /** The home folder, which `~` stands for. */
  get home(): string {
    return this.#home;
  }

  /** The roots as fs-handles.ts checks an open handle against them: real paths (read now) and as shown. */
  async confinement(): Promise<Confinement> {
    return { real: await this.#realRoots(), shown: this.displayRoots() };
  }

  /** The roots' real paths (for a root that does not exist, where it would be). */
  async realRoots(): Promise<string[]> {
    return this.#realRoots();
  }

  async #realRoots(): Promise<string[]> {
    // A root that does not exist yet still counts, so a path inside it reports "does not exist", not "outside".
    return Promise.all(this.roots.map((root) => realPathOfPossiblyMissing(root)));
  }

  #expand(path: string): string {
    if (path === "~") return this.#home;
    if (path.startsWith("~/") || path.startsWith(`~${sep}`)) return join(this.#home, path.slice(2));
    if (path.startsWith("~")) throw new ActionError("invalid_parameters", `Only your own home folder can be written as ~ (got ${path}).`);
    return path;
  }
}

/**
 * The real path of `path`; for a path that does not exist, the real path of its nearest existing parent plus the
 * rest. A dangling link is followed by hand, since writing through it would create its target.
 */
async function realPathOfPossiblyMissing(path: string, depth = 0): Promise<string> {
  if (depth > 40) throw new ActionError("execution_failed", `Too many links to follow at ${path}.`);
  try {
    return await realpath(path);
  } catch (error) {
    if (!(error instanceof Error && "code" in error && (error.code === "ENOENT" || error.code === "ENOTDIR"))) throw error;
    const link = await lstat(path).catch(() => null);
    if (link?.isSymbolicLink()) return realPathOfPossiblyMissing(resolve(dirname(path), await readlink(path)), depth + 1);
    const parent = dirname(path);
    if (parent === path) return path;
    return join(await realPathOfPossiblyMissing(parent, depth + 1), basename(path));
  }
}
