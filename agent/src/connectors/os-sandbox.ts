import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readlinkSync } from "node:fs";
import { isInside } from "./sandbox.ts";

/**
 * Every `shell.run` runs inside bubblewrap (`bwrap`), driven directly. It sees the system's programs and libraries
 * read-only, a few files of /etc that programs need, a private /tmp, and the agent's folders (their real paths) as
 * the only place it can write, or read anything of the user's; the agent's own settings folder is hidden even when
 * a root contains it, so a command cannot edit shell.allow or read the agent's token. It has no network unless
 * shell.network is true, sees no other process, starts with an empty environment, and dies with the agent.
 * Without a working bubblewrap the shell connector stays off (see `probeOsSandbox`).
 */

/** Whether shell commands can be confined here: the bwrap to use, or why not and how to fix it. */
export type OsSandbox = { ok: true; bwrap: string } | { ok: false; reason: string };

/** System folders a program needs, bound read-only (or re-created as the links they are on a merged-/usr system). */
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt"];

/** The parts of /etc programs read to start, find users, resolve names and check certificates; nothing else of it. */
const ETC_FILES = [
  ...["ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "passwd", "group", "nsswitch.conf", "localtime", "timezone"],
  ...["ssl", "ca-certificates", "gitconfig", "mime.types", "magic", "resolv.conf", "hosts", "host.conf", "gai.conf", "services", "protocols"],
].map((name) => `/etc/${name}`);

/** The PATH inside the sandbox: the system's folders only, since nothing else is there. */
const SANDBOX_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

let probed: OsSandbox | undefined;

/**
 * Finds out once per process whether bubblewrap can make a sandbox here, by making one. Not on Linux, or when bwrap
 * is missing or user namespaces are off, the answer says why and what to do.
 */
export function probeOsSandbox(bwrap = "bwrap"): OsSandbox {
  if (probed) return probed;
  probed = probe(bwrap);
  return probed;
}

function probe(bwrap: string): OsSandbox {
  if (process.platform !== "linux") {
    return { ok: false, reason: `the shell needs an OS sandbox, and Hearth has one only on Linux (bubblewrap) so far; on ${process.platform} the shell stays off` };
  }
  const result = spawnSync(bwrap, ["--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "--new-session", "--", "true"], { encoding: "utf8", timeout: 10_000 });
  if (result.error && "code" in result.error && result.error.code === "ENOENT") {
    return { ok: false, reason: "the shell needs bubblewrap to confine what it runs, and it is not installed: install it (Debian, Ubuntu: `sudo apt install bubblewrap`; Fedora: `sudo dnf install bubblewrap`), then restart the agent" };
  }
  if (result.status !== 0) {
    const said = (result.stderr || result.error?.message || `exit code ${result.status}`).trim().split("\n")[0]?.slice(0, 200);
    return { ok: false, reason: `bubblewrap cannot make a sandbox on this computer (${said}). Unprivileged user namespaces are probably off: allow them (e.g. \`sudo sysctl -w kernel.unprivileged_userns_clone=1\`, or on Ubuntu 24.04 \`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0\`), then restart the agent` };
  }
  return { ok: true, bwrap };
}

/** What one sandboxed run may touch. `roots` are real paths; `hidden` are folders to blank out (the agent's settings). */
export type SandboxLayout = { roots: readonly string[]; hidden: readonly string[]; home: string; cwd: string; network: boolean; lang?: string };

/**
 * bubblewrap's arguments to run `program args` confined to `layout`. Pure (it only looks at which system paths
 * exist and which are links), so its output can be checked in tests.
 * @example spawn("bwrap", bwrapArguments(layout, "git", ["status"]))
 */
export function bwrapArguments(layout: SandboxLayout, program: string, args: readonly string[]): string[] {
  const out = ["--die-with-parent", "--new-session", "--unshare-all", ...(layout.network ? ["--share-net"] : []), "--clearenv"];
  out.push("--setenv", "PATH", SANDBOX_PATH, "--setenv", "HOME", layout.home, "--setenv", "LANG", layout.lang ?? "C.UTF-8");
  for (const dir of SYSTEM_DIRS) {
    const link = linkTarget(dir);
    if (link !== null) out.push("--symlink", link, dir);
    else if (existsSync(dir)) out.push("--ro-bind", dir, dir);
  }
  for (const file of ETC_FILES) if (existsSync(file)) out.push("--ro-bind", file, file);
  out.push("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp");
  // Outer roots first, so a root inside another is bound over it rather than hidden by it.
  const roots = [...new Set(layout.roots)].filter((root) => existsSync(root)).sort((a, b) => a.length - b.length);
  for (const root of roots) out.push("--bind", root, root);
  for (const dir of layout.hidden) if (roots.some((root) => isInside(root, dir)) && existsSync(dir)) out.push("--tmpfs", dir);
  out.push("--chdir", layout.cwd, "--", program, ...args);
  return out;
}

function linkTarget(path: string): string | null {
  try {
    return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : null;
  } catch {
    return null;
  }
}
