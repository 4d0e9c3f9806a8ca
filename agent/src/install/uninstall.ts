import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join, parse, resolve } from "node:path";
import type { HomePaths } from "../home/paths.ts";
import { programFiles } from "./layout.ts";
import type { InstalledLayout } from "./layout.ts";

/**
 * What a removal came to: what went, what stays (and why), and on Windows the files (then folders) that go once this
 * process exits.
 */
export type RemovalReport = { removed: string[]; kept: string[]; afterExit: string[]; afterExitFolders: string[] };

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

/** Whether `path` lies inside `folder` (compared by whole path segments: /a/bc is not inside /a/b). */
export function isInside(path: string, folder: string): boolean {
  const child = resolve(path);
  const parent = resolve(folder);
  const prefix = parent.endsWith("/") || parent.endsWith("\\") ? parent : `${parent}${process.platform === "win32" ? "\\" : "/"}`;
  return child.startsWith(prefix);
}

/**
 * The files the installers and `hearth update` write in a program folder, each by name: the runtime, the agent, the
 * copy kept by an update, the `.new` (written beside, then renamed) and `.old` (Windows: renamed out of the way)
 * leftovers, install.json and the Windows launcher.
 */
export function programFileNames(dir: string, platform: NodeJS.Platform = process.platform): string[] {
  const files = programFiles(dir, platform);
  const variants = (path: string) => [path, `${path}.new`, `${path}.old`];
  return [
    ...variants(files.runtime),
    ...variants(files.app),
    ...variants(files.previousApp),
    ...variants(files.recordFile),
    ...(platform === "win32" ? variants(join(dir, "bin", "hearth.cmd")) : []),
  ];
}

/**
 * Removes what the installer wrote, by name — never a whole folder: HEARTH_INSTALL_DIR may be a folder that holds
 * the user's own files too (even ~/.local, whose bin/ and share/ are not ours). Each folder (runtime/, app/, bin/,
 * then the program folder) goes only when that leaves it empty; one that still holds something is reported as kept.
 * The launcher goes too, but only when it is named as the installers name it (install.json could be edited).
 */
export function removeProgram(layout: InstalledLayout, platform: NodeJS.Platform = process.platform): RemovalReport {
  const report: RemovalReport = { removed: [], kept: [], afterExit: [], afterExitFolders: [] };
  const launcher = layout.record.launcher;
  const files = programFileNames(layout.dir, platform);
  // Windows: the launcher is <program dir>\bin\hearth.cmd, which programFileNames names already.
  if (platform !== "win32" && basename(launcher) === "hearth") files.push(launcher, `${launcher}.new`);
  else if (platform !== "win32" && existsSync(launcher)) report.kept.push(`${launcher} (install.json names it as the launcher, but it is not called hearth: delete it yourself if it is Hearth's)`);
  for (const file of new Set(files)) {
    if (!existsSync(file)) continue;
    // cmd.exe reads hearth.cmd line by line while this runs: deleted now, it would end with "The batch file cannot
    // be found." So it goes after this process exits.
    if (platform === "win32" && basename(file) === "hearth.cmd") {
      report.afterExit.push(file);
      continue;
    }
    try {
      rmSync(file, { force: true });
      report.removed.push(file);
    } catch (error) {
      // On Windows the running node.exe cannot be deleted while this runs.
      if (platform !== "win32") throw new Error(`Could not remove ${file} (${error instanceof Error ? error.message : String(error)}); remove it by hand.`);
      report.afterExit.push(file);
    }
  }
  for (const folder of [join(layout.dir, "runtime"), join(layout.dir, "app"), join(layout.dir, "bin"), layout.dir]) {
    removeFolderIfEmpty(folder, report, platform);
  }
  if (report.afterExit.length > 0) removeAfterExit(report.afterExit, report.afterExitFolders);
  return report;
}

/**
 * Removes a folder when it is empty. One that still holds files the removal did not touch is kept and reported;
 * on Windows, one that holds only files waiting for this process to exit goes after them.
 */
function removeFolderIfEmpty(folder: string, report: RemovalReport, platform: NodeJS.Platform): void {
  if (!existsSync(folder)) return;
  const left = readdirSync(folder).map((name) => join(folder, name));
  if (left.length === 0) {
    rmdirSync(folder);
    report.removed.push(folder);
    return;
  }
  const pending = [...report.afterExit, ...report.afterExitFolders];
  if (platform === "win32" && left.every((path) => pending.includes(path))) {
    report.afterExitFolders.push(folder);
    return;
  }
  const others = left.filter((path) => !pending.includes(path)).map((path) => basename(path));
  report.kept.push(`${folder} (it also holds ${others.slice(0, 3).join(", ")}${others.length > 3 ? ", …" : ""}, which Hearth did not put there)`);
}

/**
 * Windows: deletes the listed files, then the listed folders if empty, once this process (and its node.exe) has
 * exited. Only those names: `del` without wildcards, `rmdir` without /s (it fails on a folder that is not empty).
 */
function removeAfterExit(files: string[], folders: string[]): void {
  // Detached, so it outlives this process; ping is cmd's way to wait two seconds. cmd does not read the C runtime's
  // quoting, so the line goes verbatim, in the outer quotes /s strips. A Windows path cannot hold `"`.
  const steps = [...files.map((file) => `del /f /q "${file}" 2>nul`), ...folders.map((folder) => `rmdir "${folder}" 2>nul`)];
  const line = `"ping -n 3 127.0.0.1 >nul & ${steps.join(" & ")}"`;
  const child = spawn("cmd.exe", ["/d", "/s", "/c", line], { detached: true, stdio: "ignore", windowsHide: true, windowsVerbatimArguments: true });
  // No cmd.exe (or it could not start): the files stay, and the report already named them. Never crash over it.
  child.on("error", () => {});
  child.unref();
}

/** Windows: takes `binDir` out of the user's PATH (the installer added it). Resolves to a line for the user. */
export function removeFromUserPath(binDir: string): Promise<string> {
  // The raw value, unexpanded: [Environment]::GetEnvironmentVariable would expand %USERPROFILE% and the like, and
  // writing that back would freeze them. It is written back as REG_EXPAND_SZ, as Windows keeps it. Setting an unused
  // variable through [Environment] afterwards is what makes Windows tell Explorer (and new terminals) the PATH changed.
  // The folder goes in through the environment, never into the script's text.
  const script = [
    "$key = [Microsoft.Win32.Registry]::CurrentUser.OpenSubKey('Environment', $true)",
    "$raw = [string]$key.GetValue('Path', '', [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)",
    "$keep = @($raw -split ';' | Where-Object { $_ -and $_ -ne $env:HEARTH_BIN })",
    "if ($keep.Count -gt 0) { $key.SetValue('Path', ($keep -join ';'), [Microsoft.Win32.RegistryValueKind]::ExpandString) } else { $key.DeleteValue('Path', $false) }",
    "$key.Close()",
    "[Environment]::SetEnvironmentVariable('HEARTH_PATH_CHANGED', $null, 'User')",
  ].join("; ");
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

/** The SQLite side files of state.db (write-ahead log, shared memory, rollback journal). */
const STATE_DB_SIDE_FILES = ["-wal", "-shm", "-journal"];
/** The files written through writePrivateFile land first as `<name>.<pid>.tmp`; a crash can leave one. */
const PRIVATE_TEMP = /^(credentials\.json|local-token|status\.json|config\.json|mcp-pins\.json|mcp-pending\.json)\.\d+\.tmp$/;

/**
 * The files the agent writes in its settings folder, by name: settings, pairing, local token, state (with SQLite's
 * side files), audit log, status, the service's logs, and the Task Scheduler definition kept there on Windows.
 */
export function dataFileNames(paths: HomePaths): string[] {
  const logs = join(paths.dir, "logs");
  const temps = existsSync(paths.dir) ? readdirSync(paths.dir).filter((name) => PRIVATE_TEMP.test(name)).map((name) => join(paths.dir, name)) : [];
  return [
    paths.config,
    paths.credentials,
    paths.localToken,
    paths.stateDb,
    ...STATE_DB_SIDE_FILES.map((suffix) => `${paths.stateDb}${suffix}`),
    paths.audit,
    paths.status,
    paths.mcpPins,
    paths.mcpPending,
    // The MCP files' write locks (mcp/store.ts), left behind only by a crash mid-write.
    `${paths.mcpPins}.lock`,
    `${paths.mcpPending}.lock`,
    `${paths.config}.lock`,
    join(paths.dir, "hearth-task.xml"),
    ...temps,
    join(logs, "agent.log"),
    join(logs, "agent.log.1"),
    join(logs, "agent.stderr.log"),
  ];
}

/**
 * `--remove-data`: deletes Hearth's own files in the settings folder, by name, then logs/ and the folder if that
 * leaves them empty. A file of the user's own there survives, and the folder is reported as kept because of it.
 */
export function removeData(paths: HomePaths, platform: NodeJS.Platform = process.platform): RemovalReport {
  const report: RemovalReport = { removed: [], kept: [], afterExit: [], afterExitFolders: [] };
  for (const file of dataFileNames(paths)) {
    if (!existsSync(file)) continue;
    rmSync(file, { force: true });
    report.removed.push(file);
  }
  removeFolderIfEmpty(join(paths.dir, "logs"), report, platform);
  removeFolderIfEmpty(paths.dir, report, platform);
  return report;
}
