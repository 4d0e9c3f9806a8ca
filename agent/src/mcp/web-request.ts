import type { McpServerSpec } from "#protocol";

// What a request from the web app (`mcp.add`) may not ask for. The local approval (`hearth mcp approve`) is only as
// good as what the user can judge there: a benign-looking `npx -y <package>` runs anything once its environment
// says so (NODE_OPTIONS=--require …, LD_PRELOAD, PATH=/tmp/evil:…, npm_config_registry …), and a working folder
// chooses which `./node_modules/.bin` or relative program runs. The user can still set both in config.json, or
// approve such a name by hand (`--allow-env`); a request from the web, which anyone holding the session can send,
// cannot.

/** Exact env names (case-insensitive: Windows and npm's `npm_config_*` ignore case) that change how a program loads. */
const LOADER_NAMES = new Set([
  "PATH", "PATHEXT", "COMSPEC", "ENV", "BASH_ENV", "IFS", "SHELLOPTS", "BASHOPTS", "PS4", "PROMPT_COMMAND", "ZDOTDIR",
  "HOME", "USERPROFILE", "CLASSPATH", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS",
  "PERL5OPT", "PERL5LIB", "PERLLIB", "RUBYOPT", "RUBYLIB",
]);
/** Prefixes of such names: the loaders', interpreters' and package managers' own settings. */
const LOADER_PREFIXES = ["LD_", "DYLD_", "PYTHON", "NPM_CONFIG_", "YARN_", "PNPM_", "BUN_", "DENO_", "UV_", "PIP_", "GIT_", "LUA_", "GEM_", "BUNDLE_"];
/** NODE_* changes how Node loads (NODE_OPTIONS, NODE_PATH, NODE_EXTRA_CA_CERTS…), except the one every app reads. */
const HARMLESS = new Set(["NODE_ENV"]);

/** Whether an environment variable changes how the program (or what it starts) loads and runs, not just what it does. */
export function changesHowProgramsLoad(name: string): boolean {
  const upper = name.toUpperCase();
  if (HARMLESS.has(upper)) return false;
  return LOADER_NAMES.has(upper) || upper.startsWith("NODE_") || upper.endsWith("_PRELOAD") || LOADER_PREFIXES.some((prefix) => upper.startsWith(prefix));
}

/** Why a server asked for from the web app may not even wait for approval (with where to set it instead), or null. */
export function webRequestProblem(server: McpServerSpec, device: string): string | null {
  if (!("command" in server)) return null;
  const loaders = Object.keys(server.env).filter(changesHowProgramsLoad);
  if (loaders.length > 0) {
    return `A request from the Hearth app may not set ${loaders.join(", ")}: ${loaders.length === 1 ? "it changes" : "they change"} how a program loads, so a harmless-looking command could run something else. If the server truly needs ${loaders.length === 1 ? "it" : "them"}, set it up in config.json on ${device} yourself.`;
  }
  if (server.cwd !== undefined) {
    return `A request from the Hearth app may not choose the folder a program runs in (cwd): it decides which local programs and packages run. Leave it out, or set it up in config.json on ${device} yourself.`;
  }
  return null;
}
