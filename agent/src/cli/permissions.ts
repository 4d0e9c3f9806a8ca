import { hearthCommand } from "../invocation.ts";
import { AuditLog } from "../audit/audit-log.ts";
import { Name } from "#protocol";
import { knownActions } from "../connectors/registry.ts";
import { loadConfig } from "../home/config.ts";
import { mcpNameProblem } from "../mcp/config-entry.ts";
import { PendingStore } from "../mcp/store.ts";
import { ensureHomeDir, homePaths, resolveHomeDir } from "../home/paths.ts";
import type { HomePaths } from "../home/paths.ts";
import { DEFAULT_RULES } from "../permissions/rules.ts";
import type { Effect, LocalRule } from "../permissions/rules.ts";
import { PermissionStore } from "../permissions/store.ts";
import { openStateDb } from "../store/db.ts";
import { CliError, describeUntil, parseDuration, parseOptions, UsageError } from "./args.ts";
import type { CliCommand, Output } from "./args.ts";

const RULE_OPTIONS = { scope: { type: "string" }, expires: { type: "string" } } as const;

const SUBCOMMANDS: Record<string, { usage: string; run: (argv: string[], paths: HomePaths, out: Output) => number }> = {
  list: {
    usage: `Usage: hearth permissions list

Lists this computer's permission rules: yours first, then the built-in defaults.`,
    run: (argv, paths, out) => {
      parseOptions(argv, {});
      return withStore(paths, (store) => {
        const now = Date.now();
        const rows = [...store.list(), ...DEFAULT_RULES].map((rule) => [
          rule.id,
          rule.effect,
          rule.target,
          rule.action,
          rule.scope ?? (rule.target === "filesystem" ? "(allowed folders)" : "(any)"),
          rule.expires_at === null ? (rule.source === "default" ? "built in" : "never") : describeUntil(rule.expires_at, now),
        ]);
        printTable(out, ["ID", "EFFECT", "TARGET", "ACTION", "SCOPE", "EXPIRES"], rows);
        out.log("");
        out.log("Your rules outrank the built-in ones. Among yours, any deny wins; otherwise the most specific rule does.");
        return 0;
      });
    },
  },
  grant: {
    usage: `Usage: hearth permissions grant <target> <action> [--scope <glob>] [--expires <duration>]

Allows a command on this computer without asking. Examples:
  hearth permissions grant filesystem write --scope "~/Documents/**" --expires 1h
  hearth permissions grant shell run --scope git

Options:
  --scope <glob>        Limit the rule to paths (or URLs, programs, apps) matching the glob:
                        * within a folder, ** across folders, ~ for your home folder
  --expires <duration>  Let the rule lapse after 30m, 1h, 2d, 1w …
  -h, --help            Show this help`,
    run: (argv, paths, out) => addRule(argv, "allow", paths, out),
  },
  deny: {
    usage: `Usage: hearth permissions deny <target> <action> [--scope <glob>] [--expires <duration>]

Refuses a command on this computer, even when it was approved in the Hearth app. Examples:
  hearth permissions deny shell run
  hearth permissions deny filesystem "*" --scope "~/Documents/Private/**"

Options:
  --scope <glob>        Limit the rule to matching paths (or URLs, programs, apps)
  --expires <duration>  Let the rule lapse after 30m, 1h, 2d, 1w …
  -h, --help            Show this help`,
    run: (argv, paths, out) => addRule(argv, "deny", paths, out),
  },
  revoke: {
    usage: `Usage: hearth permissions revoke <id>

Removes one of your rules (see \`hearth permissions list\` for the ids).`,
    run: (argv, paths, out) => {
      const { positionals } = parseOptions(argv, {}, true);
      const [id, ...extra] = positionals;
      if (!id || extra.length > 0) throw new UsageError("Give exactly one rule id, e.g. hearth permissions revoke p_1a2b3c4d5e");
      if (DEFAULT_RULES.some((rule) => rule.id === id)) {
        throw new CliError(`${id} is built in and cannot be removed. Add your own rule to override it (\`${hearthCommand()} permissions grant …\` or \`deny …\`).`);
      }
      return withStore(paths, (store) => {
        if (!store.remove(id)) throw new CliError(`There is no rule ${id}. See \`${hearthCommand()} permissions list\`.`);
        new AuditLog(paths.audit).append({ command_id: null, source: "cli", target: "*", action: "*", decision: "rule", outcome: "revoked", rule_id: id });
        out.log(`Removed rule ${id}.`);
        return 0;
      });
    },
  },
};

export const permissionsCommand: CliCommand = {
  usage: `Usage: hearth permissions <list|grant|deny|revoke> …

This computer's own permission rules: the final word on what runs here, whatever the server allowed.
By default reading inside the allowed folders is allowed, changes (writing, trashing, opening pages,
starting apps) need your approval in the Hearth app, and the shell is denied.

Commands:
  list                                   Show the rules
  grant <target> <action> [options]      Allow without asking (--scope, --expires)
  deny <target> <action> [options]       Refuse, even if approved in the app
  revoke <id>                            Remove one of your rules

Run \`hearth permissions <command> --help\` for details.`,
  run: async (argv, { out, env }) => {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
      out.log(permissionsCommand.usage);
      return 0;
    }
    const entry = Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
    if (!entry) throw new UsageError(`unknown permissions command "${sub}"; use list, grant, deny or revoke`);
    if (rest.includes("--help") || rest.includes("-h")) {
      out.log(entry.usage);
      return 0;
    }
    return entry.run(rest, homePaths(resolveHomeDir(env)), out);
  },
};

function addRule(argv: string[], effect: Effect, paths: HomePaths, out: Output): number {
  const { values, positionals } = parseOptions(argv, RULE_OPTIONS, true);
  const [target, action, ...extra] = positionals;
  const verb = effect === "allow" ? "grant" : "deny";
  if (!target || !action || extra.length > 0) throw new UsageError(`Give a target and an action, e.g. hearth permissions ${verb} filesystem write`);
  const known = knownActions();
  // An MCP server's tools are whatever it offers while it runs: for a server set up (or asked for) here, any action name goes.
  const mcpServer = !Object.hasOwn(known, target) && target !== "*" && mcpNameProblem(target) === null && mcpServerNames(paths).includes(target);
  if (mcpServer) {
    if (action !== "*" && !Name.safeParse(action).success) throw new UsageError(`"${action}" is not an action name; an MCP tool's action is its name in lower case with _ (see \`hearth mcp list\`)`);
  } else if (target !== "*") {
    const actions = Object.hasOwn(known, target) ? known[target] : undefined;
    if (!actions) throw new UsageError(`unknown target "${target}"; use one of ${Object.keys(known).join(", ")}, an MCP server set up here (\`hearth mcp list\`), or "*"`);
    if (action !== "*" && !actions.includes(action)) throw new UsageError(`${target} has no action "${action}"; use one of ${actions.join(", ")} or "*"`);
  } else if (action !== "*" && !Object.values(known).some((actions) => actions.includes(action))) {
    throw new UsageError(`no connector has an action "${action}"`);
  }
  const scope = values.scope?.trim() || null;
  if (scope !== null && target === "filesystem" && !/^(~|\/|[A-Za-z]:[\\/])/.test(scope)) {
    throw new UsageError(`a filesystem scope is a path: start it with ~/ or /, e.g. "~/Documents/**"`);
  }
  const expiresAt = values.expires === undefined ? null : Date.now() + parseDuration(values.expires);
  return withStore(paths, (store) => {
    const rule = store.add({ target, action, scope, effect, expires_at: expiresAt, source: "user" });
    new AuditLog(paths.audit).append({ command_id: null, source: "cli", target, action, decision: "rule", scope: rule.scope, outcome: effect === "allow" ? "granted" : "denied", rule_id: rule.id });
    out.log(`${effect === "allow" ? "Allowed" : "Denied"} ${describeRule(rule)} (rule ${rule.id}). Undo with \`${hearthCommand()} permissions revoke ${rule.id}\`.`);
    if (target === "filesystem" && rule.scope !== null && !/[*?]/.test(rule.scope)) {
      out.log(`Note: this matches ${rule.scope} itself only; use "${rule.scope.replace(/\/$/, "")}/**" to cover everything inside it.`);
    }
    return 0;
  });
}

/** The MCP servers set up in config.json or waiting for approval (a rule may be made before the server is approved). */
function mcpServerNames(paths: HomePaths): string[] {
  const names: string[] = [];
  try {
    names.push(...Object.keys(loadConfig(paths.config).config.mcp_servers));
  } catch {
    // A config.json the agent cannot read has no servers to name; `hearth start` reports the problem.
  }
  try {
    names.push(...Object.keys(new PendingStore(paths.mcpPending).list()));
  } catch {
    // Likewise for a damaged pending file (`hearth mcp list` reports it).
  }
  return names;
}

function describeRule(rule: LocalRule): string {
  const what = `${rule.target === "*" ? "every target" : rule.target} ${rule.action === "*" ? "(all actions)" : rule.action}`;
  const where = rule.scope === null ? "" : ` for ${rule.scope}`;
  const until = rule.expires_at === null ? "" : `, expiring ${describeUntil(rule.expires_at)}`;
  return `${what}${where}${until}`;
}

function withStore(paths: HomePaths, work: (store: PermissionStore) => number): number {
  ensureHomeDir(paths);
  const db = openStateDb(paths.stateDb);
  try {
    return work(new PermissionStore(db));
  } finally {
    db.close();
  }
}

function printTable(out: Output, header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd();
  out.log(line(header));
  for (const row of rows) out.log(line(row));
}
