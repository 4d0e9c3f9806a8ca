import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { ensureHomeDir, homePaths, resolveHomeDir } from "../home/paths.ts";
import { ensureLocalToken } from "../home/local-token.ts";
import { hearthCommand } from "../invocation.ts";
import { createLogger } from "../log.ts";
import type { Logger } from "../log.ts";
import { MCP_HTTP_DEFAULT_PORT, MCP_HTTP_PATH, McpHttpServer, createHearthMcpServer } from "../mcp-serve/index.ts";
import { UsageError, parseOptions } from "./args.ts";

export const MCP_SERVE_USAGE = `Usage: hearth mcp serve [--http [--port ${MCP_HTTP_DEFAULT_PORT}]]

Offers this computer's Hearth connectors (files, browser, system, …) as an MCP server, for Claude Desktop,
Claude Code, goose or any MCP client. Each call goes to the running agent (\`hearth start\`): its rules decide,
it asks you in Hearth where they say "ask", and both audit logs name the client.

By default it speaks MCP over stdin/stdout: let your MCP client start it.

Options:
  --http         Serve Streamable HTTP on http://127.0.0.1:<port>${MCP_HTTP_PATH} instead; every request needs
                 "Authorization: Bearer <the content of the local-token file in the agent's home folder>"
  --port <n>     The HTTP port (default ${MCP_HTTP_DEFAULT_PORT})
  -h, --help     Show this help`;

/**
 * `hearth mcp serve`: runs until the client goes away (stdio: stdin ends) or the process is stopped. In stdio mode
 * stdout is the MCP channel, so everything else, logs and errors included, goes to stderr.
 */
export async function runMcpServe(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const stderr = (line: string) => void process.stderr.write(`${line}\n`);
  let options;
  try {
    options = parseOptions(argv, { http: { type: "boolean", default: false }, port: { type: "string" }, help: { type: "boolean", short: "h", default: false } }).values;
    if (options.port !== undefined && !options.http) throw new UsageError("--port goes with --http");
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr(`hearth mcp serve: ${error.message}. Run "${hearthCommand(env)} mcp serve --help".`);
    return 2;
  }
  if (options.help) {
    stderr(MCP_SERVE_USAGE);
    return 0;
  }
  const log = createLogger({ json: false, sink: stderr });
  const paths = homePaths(resolveHomeDir(env));
  if (options.http) {
    const port = options.port === undefined ? MCP_HTTP_DEFAULT_PORT : Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      stderr(`hearth mcp serve: --port ${options.port ?? ""} is not a port. Use a number from 1 to 65535.`);
      return 2;
    }
    return serveHttp(paths, port, log);
  }
  return serveStdio(paths, log);
}

async function serveStdio(paths: ReturnType<typeof homePaths>, log: Logger): Promise<number> {
  const mcp = createHearthMcpServer({ paths, log });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    mcp.server.onclose = () => resolve();
  });
  // The SDK's stdio transport does not notice the client going away; stdin's end is that signal.
  const stop = () => void mcp.close();
  process.stdin.once("end", stop);
  process.stdin.once("close", stop);
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await mcp.server.connect(transport);
  log.info("mcp.serving", "Serving Hearth's connectors over MCP on stdio; each call goes to the running agent.");
  await closed;
  return 0;
}

async function serveHttp(paths: ReturnType<typeof homePaths>, port: number, log: Logger): Promise<number> {
  ensureHomeDir(paths);
  // The agent's own token, so a client needs only one secret; made now if the agent has not run yet.
  const server = new McpHttpServer({ paths, log, token: ensureLocalToken(paths.localToken), port });
  let listening: number;
  try {
    listening = await server.listen();
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "EADDRINUSE") {
      log.error("mcp.port_taken", `Port ${port} on 127.0.0.1 is taken (another \`hearth mcp serve --http\`?). Stop it, or pick another with --port.`);
      return 1;
    }
    throw error;
  }
  log.info("mcp.serving", `Serving Hearth's connectors over MCP on http://127.0.0.1:${listening}${MCP_HTTP_PATH} (Authorization: Bearer <the content of ${paths.localToken}>). Ctrl-C stops it.`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.close();
  return 0;
}
