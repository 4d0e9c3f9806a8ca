import type { McpBridge, McpBridgeOptions } from "./types.ts";

/**
 * Placeholder until the bridge lands (issue 18, helper B replaces this file): no server starts, nothing is offered.
 */
export function createMcpBridge(_options: McpBridgeOptions): McpBridge {
  return {
    start: () => {},
    update: () => {},
    connectors: () => [],
    status: () => [],
    approve: () => ({ ok: false, message: "The MCP bridge is not built yet." }),
    stop: async () => {},
  };
}
