import { existsSync, readFileSync, realpathSync, writeFileSync, renameSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { BUNDLE_VERSION } from "../build-info.ts";

// Where an installed agent lives. agent/install/install.sh and install.ps1 make exactly this layout (the contract of
// issue 16); the settings folder (HEARTH_HOME, home/paths.ts) is separate, so an update never touches it.
//
//   <program dir>/runtime/node (node.exe)   the pinned Node runtime
//   <program dir>/app/hearth.cjs            the agent, one file (hearth.cjs.previous: the one before the last update)
//   <program dir>/install.json              what was installed, from where
//   <launcher>                              ~/.local/bin/hearth (sh) or <program dir>\bin\hearth.cmd

/** install.json, written by the install script and by `hearth update`. */
export const InstallRecord = z.object({
  schema: z.literal(1),
  server: z.url(),
  version: z.string().min(1),
  node: z.string().min(1),
  platform: z.string().min(1),
  launcher: z.string().min(1),
  installed_at: z.string(),
});
export type InstallRecord = z.infer<typeof InstallRecord>;

/** The files of an installed agent. */
export type InstalledLayout = {
  dir: string;
  app: string;
  previousApp: string;
  runtime: string;
  recordFile: string;
  record: InstallRecord;
};

/** The program folder the installers use: HEARTH_INSTALL_DIR, else `$XDG_DATA_HOME/hearth` (`~/.local/share/hearth`), or `%LOCALAPPDATA%\Programs\Hearth`. */
export function defaultProgramDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.HEARTH_INSTALL_DIR) return env.HEARTH_INSTALL_DIR;
  if (platform === "win32") return join(env.LOCALAPPDATA ?? join(homedir(), "AppData", "Local"), "Programs", "Hearth");
  return join(env.XDG_DATA_HOME || join(env.HOME || homedir(), ".local", "share"), "hearth");
}

/** The launcher the installers write: `$HEARTH_BIN_DIR/hearth`, else `~/.local/bin/hearth`; `<program dir>\bin\hearth.cmd` on Windows. */
export function defaultLauncher(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === "win32") return join(defaultProgramDir(env, platform), "bin", "hearth.cmd");
  return join(env.HEARTH_BIN_DIR || join(env.HOME || homedir(), ".local", "bin"), "hearth");
}

/** The paths inside a program folder. */
export function programFiles(dir: string, platform: NodeJS.Platform = process.platform) {
  return {
    app: join(dir, "app", "hearth.cjs"),
    previousApp: join(dir, "app", "hearth.cjs.previous"),
    runtime: join(dir, "runtime", platform === "win32" ? "node.exe" : "node"),
    recordFile: join(dir, "install.json"),
  };
}

/**
 * This agent's installed layout, or null when it is not an installed copy (the repo's sources, or a lone bundle).
 * The bundle is installed when `<dir of hearth.cjs>/../install.json` exists. Throws when install.json is damaged.
 */
export function installedLayout(entry: string | undefined = process.argv[1]): InstalledLayout | null {
  if (BUNDLE_VERSION === null || entry === undefined) return null;
  let app: string;
  try {
    app = realpathSync(entry);
  } catch {
    return null;
  }
  const dir = dirname(dirname(app));
  const files = programFiles(dir);
  if (!existsSync(files.recordFile)) return null;
  return { dir, ...files, app, record: readInstallRecord(files.recordFile) };
}

/** Reads install.json; a damaged one is an error that says how to repair it (run the install line again). */
export function readInstallRecord(path: string): InstallRecord {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new Error(`${path} is damaged (not JSON). Run the install line from your Hearth server again to repair it.`);
  }
  const parsed = InstallRecord.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path} is damaged (${issue?.path.join(".")}: ${issue?.message}). Run the install line from your Hearth server again to repair it.`);
  }
  return parsed.data;
}

/** Replaces install.json atomically (written beside it, then renamed). */
export function writeInstallRecord(path: string, record: InstallRecord): void {
  const next = `${path}.new`;
  writeFileSync(next, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(next, path);
}
