import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Where the agent keeps its files, and the name of each one. */
export type HomePaths = {
  dir: string;
  config: string;
  credentials: string;
  localToken: string;
  stateDb: string;
  audit: string;
  status: string;
  /** The approved definitions of MCP servers' tools, and approvals queued by `hearth mcp approve`. */
  mcpPins: string;
  /** MCP servers asked for from the web app, waiting for `hearth mcp approve` here. */
  mcpPending: string;
};

/**
 * The agent's home folder: `HEARTH_HOME` if set, else the platform's config folder
 * (`$XDG_CONFIG_HOME/hearth` or `~/.config/hearth`, `~/Library/Application Support/hearth`, `%APPDATA%\hearth`).
 */
export function resolveHomeDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.HEARTH_HOME) return env.HEARTH_HOME;
  if (platform === "darwin") return join(homedir(), "Library", "Application Support", "hearth");
  if (platform === "win32") return join(env.APPDATA ?? join(homedir(), "AppData", "Roaming"), "hearth");
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "hearth");
}

/** The file names inside a home folder. */
export function homePaths(dir: string = resolveHomeDir()): HomePaths {
  return {
    dir,
    config: join(dir, "config.json"),
    credentials: join(dir, "credentials.json"),
    localToken: join(dir, "local-token"),
    stateDb: join(dir, "state.db"),
    audit: join(dir, "audit.jsonl"),
    status: join(dir, "status.json"),
    mcpPins: join(dir, "mcp-pins.json"),
    mcpPending: join(dir, "mcp-pending.json"),
  };
}

/** Creates the home folder if needed, readable by the user only. */
export function ensureHomeDir(paths: HomePaths): void {
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
}
