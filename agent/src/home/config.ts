import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { LOCAL_DEFAULT_PORT, MAX_FRAME_BYTES, Name } from "#protocol";
import { McpServerEntry, mcpNameProblem } from "../mcp/config-entry.ts";
import { isPattern, parseCommandPattern } from "../connectors/shell-patterns.ts";
import { DEFAULT_OPTIONS } from "../defaults.ts";
import { BROWSERS } from "../listeners/history-profiles.ts";

const AppEntry = z.strictObject({
  /** The program to start: a name on PATH or an absolute path. */
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
});

const Currency = z.string().regex(/^[A-Z]{3}$/, { error: "Use a 3-letter currency code, like \"USD\"." });

/** A CSV column mapping for a bank layout Hearth has no preset for (see core/src/importers/csv.ts). */
const CsvMappingConfig = z.strictObject({
  id: z.string().min(1).max(40),
  label: z.string().min(1).max(80),
  needs: z.array(z.string().min(1)).min(1),
  date: z.string().min(1),
  order: z.enum(["DMY", "MDY", "YMD"]),
  amount: z.string().optional(),
  debit: z.string().optional(),
  credit: z.string().optional(),
  decimal: z.enum([".", ","]).optional(),
  sign: z.string().optional(),
  currency: z.string().optional(),
  default_currency: Currency.optional(),
  description: z.string().min(1),
  id_column: z.string().optional(),
});

const ShellPattern = z.string().superRefine((entry, ctx) => {
  const parsed = parseCommandPattern(entry);
  if (!isPattern(parsed)) ctx.addIssue({ code: "custom", message: `"${entry}" is not a command pattern: ${parsed.problem}. Write the program and its arguments, like "git status" or "git log *".` });
});

/** config.json. Strict, so a misspelt key is reported instead of silently ignored. */
export const AgentConfig = z.strictObject({
  filesystem: z
    .strictObject({
      /** Folders the filesystem connector may touch; `~` is the home folder. Defaults to the usual user folders that exist. */
      roots: z.array(z.string().min(1)).min(1, { error: "List at least one folder, like \"~/Documents\"." }).optional(),
      /** At most 1 MiB: a result travels in one frame, and frames are limited to 1 MiB. */
      max_read_bytes: z.number().int().min(1).max(MAX_FRAME_BYTES).default(DEFAULT_OPTIONS.maxReadBytes),
    })
    .prefault({}),
  shell: z
    .strictObject({
      /**
       * Command patterns `shell.run` may run (`git status`, `git log *`; see connectors/shell-patterns.ts). Empty means
       * the shell connector is off.
       */
      allow: z.array(ShellPattern).default([]),
      /** Whether shell commands may use the network; off, they run with none. */
      network: z.boolean().default(false),
      timeout_ms: z.number().int().min(100).max(3_600_000).default(DEFAULT_OPTIONS.shellTimeout),
      max_output_bytes: z.number().int().min(1).max(MAX_FRAME_BYTES / 4).default(DEFAULT_OPTIONS.shellMaxOutputBytes),
    })
    .prefault({}),
  /** Applications `apps.launch` may start, by name. */
  apps: z.record(Name, AppEntry).default({}),
  listeners: z
    .strictObject({
      /** The financial listener: bank statements (OFX, QFX, CSV) dropped into a folder. Off until enabled. */
      statements: z
        .strictObject({
          enabled: z.boolean().default(false),
          folder: z.string().min(1).default("~/Statements"),
          /** For CSV layouts that do not say their currency. */
          default_currency: Currency.optional(),
          /** Merchant rules, first match wins: {"match": "AMZN*", "category": "shopping"}. */
          rules: z.array(z.strictObject({ match: z.string().min(1), category: z.string().min(1).max(100) })).default([]),
          csv_mappings: z.array(CsvMappingConfig).default([]),
        })
        .prefault({}),
      /** The job-applications listener: application pages of the common ATSs in the browsers' history. Off until enabled. */
      history: z
        .strictObject({
          enabled: z.boolean().default(false),
          /** Whose profiles are found on their own. */
          browsers: z.array(z.enum(BROWSERS)).default([...BROWSERS]),
          /** More history files (`History`, `places.sqlite`) or profile folders, for other builds and places; `~` is the home folder. */
          profiles: z.array(z.string().min(1)).default([]),
          interval_minutes: z.number().int().min(1).max(1440).default(5),
        })
        .prefault({}),
    })
    .prefault({}),
  privacy: z
    .strictObject({
      /** Activity from these applications never leaves this computer (compared without case). */
      disabled_applications: z.array(z.string().min(1)).default([]),
      /** What this computer keeps (state.db records, the history listener's first look back) is forgotten after this many days. */
      retention_days: z.number().int().min(1).max(36_500).default(365),
    })
    .prefault({}),
  /**
   * MCP servers to run as connectors, by name (Claude Desktop's `mcpServers` entries fit). Listing a server here is
   * the user's approval on this computer to start it.
   */
  mcp_servers: z
    .record(z.string(), McpServerEntry)
    .default({})
    .superRefine((servers, ctx) => {
      for (const name of Object.keys(servers)) {
        const problem = mcpNameProblem(name);
        if (problem) ctx.addIssue({ code: "custom", path: [name], message: problem });
      }
    }),
  local_endpoint: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** 0 picks a free port (tests). */
      port: z.number().int().min(0).max(65535).default(LOCAL_DEFAULT_PORT),
    })
    .prefault({}),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

/** The config with roots filled in, as the connectors use it. */
export type ResolvedConfig = AgentConfig & { filesystem: { roots: string[] } };

/** A config.json that cannot be used; the message names the field and the fix. */
export class ConfigError extends Error {}

/** The usual user folders that exist, written as `~/…`; the home folder itself when none does. */
export function defaultRoots(home: string = homedir()): string[] {
  const found = ["Documents", "Downloads", "Desktop"].filter((name) => existsSync(join(home, name))).map((name) => `~/${name}`);
  return found.length > 0 ? found : ["~"];
}

/** Reads config.json (defaults when it does not exist). Throws ConfigError naming the bad field. */
export function loadConfig(path: string): { config: ResolvedConfig; exists: boolean } {
  if (!existsSync(path)) return { config: resolve(AgentConfig.parse({})), exists: false };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON (${error instanceof Error ? error.message : String(error)}). Fix it, or delete it to get the defaults back.`);
  }
  return { config: parseConfig(json, path), exists: true };
}

/** Validates config.json's content. Throws ConfigError naming each bad field. */
export function parseConfig(json: unknown, path: string): ResolvedConfig {
  const parsed = AgentConfig.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".") || "(top level)"}: ${issue.message}`);
    throw new ConfigError(`${path} has ${problems.length === 1 ? "a problem" : "problems"}:\n${problems.join("\n")}\nFix ${problems.length === 1 ? "it" : "them"}, or delete the file to get the defaults back.`);
  }
  return resolve(parsed.data);
}

/** Writes config.json with the defaults, so the user can see and edit them. */
export function writeDefaultConfig(path: string, config: ResolvedConfig): void {
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}

function resolve(config: AgentConfig): ResolvedConfig {
  return { ...config, filesystem: { ...config.filesystem, roots: config.filesystem.roots ?? defaultRoots() } };
}
