import { existsSync, readFileSync } from "node:fs";
import { ConfigError, parseConfig } from "../home/config.ts";
import type { ResolvedConfig } from "../home/config.ts";
import { writePrivateFile } from "../home/private-file.ts";
import { withFileLock } from "./file-lock.ts";

/** config.json's `mcp_servers` as written in the file (entries as the user wrote them, not resolved). */
export type RawServers = Record<string, unknown>;

/**
 * Changes config.json's `mcp_servers` and nothing else: the rest of the user's file is written back as it was
 * (not filled with defaults). The result is checked as a whole before it is written, so a change never leaves a
 * config.json the agent cannot start with. `edit` returns what the caller wants back; throwing aborts the change.
 * Writing config.json is the local approval of a server, so only the CLI (the user here) adds servers with it; the
 * agent itself only removes servers and changes read-only marks.
 */
export function editMcpServers<T>(path: string, edit: (servers: RawServers) => T): { result: T; config: ResolvedConfig } {
  return withFileLock(path, () => {
    const raw = readRaw(path);
    const current = raw.mcp_servers;
    if (current !== undefined && !isRecord(current)) throw new ConfigError(`${path}: "mcp_servers" must be an object of servers by name. Fix it, then try again.`);
    const servers: RawServers = { ...(current ?? {}) };
    const result = edit(servers);
    const next = { ...raw, mcp_servers: servers };
    const config = parseConfig(next, path);
    writePrivateFile(path, `${JSON.stringify(next, null, 2)}\n`);
    return { result, config };
  });
}

/** config.json as plain JSON ({} when there is none). Throws ConfigError when it is not a JSON object. */
export function readRaw(path: string): Record<string, unknown> {
  if (!existsSync(path)) return {};
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON (${error instanceof Error ? error.message : String(error)}). Fix it first.`);
  }
  if (!isRecord(json)) throw new ConfigError(`${path} must hold a JSON object. Fix it first.`);
  return json;
}

/** A JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
