import { ConfigError } from "../home/config.ts";
import type { HomePaths } from "../home/paths.ts";
import { runningAgent } from "../home/status-file.ts";
import { hearthCommand } from "../invocation.ts";
import { FileLockTimeout } from "../mcp/file-lock.ts";
import { McpStoreError } from "../mcp/store.ts";
import { CliError } from "./args.ts";

/** When a newly set-up server starts. */
export function whenItStarts(paths: HomePaths): string {
  return runningAgent(paths.status)
    ? `The running agent starts it now; see \`${hearthCommand()} mcp list\`.`
    : `It starts with the agent: \`${hearthCommand()} start\` (or the background service).`;
}

/** The files' own errors become CLI errors: their messages already say how to fix them. */
export function files<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof McpStoreError || error instanceof FileLockTimeout) throw new CliError(error.message);
    throw error;
  }
}
