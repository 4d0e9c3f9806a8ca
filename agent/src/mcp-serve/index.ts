// `hearth mcp serve`: this computer's Hearth connectors as an MCP server, for Claude Desktop, Claude Code, goose or
// any MCP client. It is a client of the running agent's local endpoint, never a second agent: the agent's rules,
// questions and audit logs apply to every call.
export { AgentUnavailableError, LocalAgentClient } from "./agent-client.ts";
export { MCP_HTTP_DEFAULT_PORT, MCP_HTTP_PATH, McpHttpServer } from "./http.ts";
export { createHearthMcpServer, mcpClientName } from "./server.ts";
export { offeredTools, toCallToolResult } from "./tools.ts";
