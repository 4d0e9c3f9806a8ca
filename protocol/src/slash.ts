// The slash commands the assistant understands without a model (core/src/assistant/parser.ts), shared with the
// web app's suggestions.

/** One entry per slash command: its names, how it is typed, and what it does (the help text and the unknown-command hint). */
export type SlashSpec = {
  name: SlashName;
  aliases: readonly string[];
  usage: string;
  does: string;
  /** The `target.action` it runs, so a client can offer only what the user's devices can do; null for /help and /tool (any bridged MCP tool). */
  action: string | null;
};
export type SlashName = "ls" | "cat" | "find" | "grep" | "open" | "run" | "launch" | "info" | "trash" | "tool" | "help";

export const SLASH_COMMANDS: readonly SlashSpec[] = [
  { name: "ls", aliases: ["list", "dir"], usage: "/ls <folder>", does: "list a folder", action: "filesystem.list" },
  { name: "cat", aliases: ["read"], usage: "/cat <file>", does: "read a text file", action: "filesystem.read" },
  { name: "find", aliases: ["search"], usage: "/find <name or *.ext> [in <folder>]", does: "find files by name", action: "filesystem.search" },
  { name: "grep", aliases: [], usage: "/grep <text> [in <folder>]", does: "find files containing some text", action: "filesystem.search" },
  { name: "open", aliases: ["browse"], usage: "/open <https://address>", does: "open a web page", action: "browser.open" },
  { name: "run", aliases: [], usage: "/run <program> [arguments…]", does: "run an allowed program (no shell)", action: "shell.run" },
  { name: "launch", aliases: ["start", "app"], usage: "/launch <app>", does: "start an application", action: "apps.launch" },
  { name: "info", aliases: ["system", "sys"], usage: "/info", does: "show OS, disk, memory and uptime", action: "system.info" },
  { name: "trash", aliases: ["delete", "rm"], usage: "/trash <path>", does: "move a file to the trash (never deletes)", action: "filesystem.trash" },
  { name: "tool", aliases: ["mcp"], usage: "/tool <server>.<tool> {json}", does: "run a tool of a connected MCP server", action: null },
  { name: "help", aliases: ["?", "commands"], usage: "/help", does: "show what I can do", action: null },
];

