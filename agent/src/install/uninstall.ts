import { execFile, spawn } from "node:child_process";
import { existsSync, rmSync, readdirSync, rmdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, parse, resolve } from "node:path";
import type { InstalledLayout } from "./layout.ts";

/** What revoking this computer on the server came to, as a line for the user. */
export async function revokeDevice(server: string, token: string, timeoutMs: number): Promise<string> {
  let response: Response;
  try {
    response = await fetch(new URL("/api/agent/device", server), { method: "DELETE", headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const why = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    return `Could not reach ${server} (${why}): remove this computer there yourself, in Settings → Devices.`;
  }
  await response.body?.cancel();
  if (response.ok) return `Removed this computer from your devices on ${server}.`;
  if (response.status === 401) return `${server} no longer knows this computer's token (already removed there).`;
  return `${server} answered HTTP ${response.status} to removing this computer: remove it there yourself, in Settings → Devices.`;
}

/**
 * Removes what the installer put in the program folder — runtime/, app/, bin/, install.json — and the folder when
 * that leaves it empty, plus the launcher. Only those names: HEARTH_INSTALL_DIR may point at a folder that holds
 * other things too. Returns the paths removed.
 */
export function removeProgram(layout: InstalledLayout): string[] {
  const removed: string[] = [];
  const launcher = layout.record.launcher;
  if (existsSync(launcher) && !launcher.startsWith(layout.dir)) {
    rmSync(launcher, { force: true });
    removed.push(launcher);
  }
  for (const name of ["runtime", "app", "bin", "install.json"]) {
    const path = join(layout.dir, name);
    if (!existsSync(path)) continue;
    // On Windows the running node.exe cannot be deleted: what is left goes with the folder once this process ends.
    try {
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      if (process.platform !== "win32") throw new Error(`Could not remove ${path}; remove it by hand.`);
    }
  }
  try {
    if (readdirSync(layout.dir).length === 0) rmdirSync(layout.dir);
  } catch {
    // Not empty or already gone: what is left is not ours, or is removed after exit (Windows).
  }
  if (process.platform === "win32" && existsSync(layout.dir)) removeAfterExit(layout.dir);
  removed.push(layout.dir);
  return removed;
}

/** Windows: deletes the program folder once this process (and its node.exe) has exited. */
function removeAfterExit(dir: string): void {
  // Detached, so it outlives this process; ping is cmd's way to wait two seconds. cmd does not read the C runtime's
  // quoting, so the line goes verbatim, in the outer quotes /s strips. A Windows path cannot hold `"`.
  const line = `"ping -n 3 127.0.0.1 >nul & rmdir /s /q "${dir}""`;
  const child = spawn("cmd.exe", ["/d", "/s", "/c", line], { detached: true, stdio: "ignore", windowsHide: true, windowsVerbatimArguments: true });
  child.unref();
}

/** Windows: takes `binDir` out of the user's PATH (the installer added it). Resolves to a line for the user. */
export function removeFromUserPath(binDir: string): Promise<string> {
  // The folder goes in through the environment, never into the script's text.
  const script = "$p = [Environment]::GetEnvironmentVariable('Path','User'); $keep = @($p -split ';' | Where-Object { $_ -and $_ -ne $env:HEARTH_BIN }); [Environment]::SetEnvironmentVariable('Path', ($keep -join ';'), 'User')";
  return new Promise((resolvePromise) => {
    execFile("powershell.exe", ["-NoProfile", "-NonInteractive", "-Command", script], { env: { ...process.env, HEARTH_BIN: binDir }, windowsHide: true }, (error) => {
      resolvePromise(error ? `Could not take ${binDir} out of your PATH (${error.message}): remove it in Settings → Environment variables.` : `Took ${binDir} out of your PATH.`);
    });
  });
}

/** Whether a folder is too broad to delete as "the settings folder": the home folder, a drive or file-system root. */
export function isTooBroad(dir: string): boolean {
  const full = resolve(dir);
  return full === parse(full).root || full === resolve(homedir()) || dirname(full) === parse(full).root;
}
