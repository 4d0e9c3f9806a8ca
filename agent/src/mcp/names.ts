// How an MCP tool is named as a Hearth action (contract 1). Actions are `Name`s (lower-case `a-z0-9_`, starting
// with a letter), so an MCP name such as `read-file` or `2fa.verify` needs a stable, readable translation; every part
// of Hearth (the web app, the relay, `hearth mcp serve`) reads the result from `McpToolStatus.action`.

const MAX_ACTION = 40;

/** The action a tool is offered as: lower-cased, other characters `_`, a leading non-letter gets `t_`, cut to 40. */
export function toAction(tool: string): string {
  let action = tool.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  if (!/^[a-z]/.test(action)) action = `t_${action}`;
  return action.slice(0, MAX_ACTION);
}

/**
 * The actions of one server's tools, in the order the server listed them: a name that would clash with an earlier
 * one gets `_2`, `_3`, … (cut so the whole stays within 40), so two tools never share an action.
 */
export function assignActions(tools: readonly string[]): Map<string, string> {
  const taken = new Set<string>();
  const actions = new Map<string, string>();
  for (const tool of tools) {
    const base = toAction(tool);
    let action = base;
    for (let n = 2; taken.has(action); n += 1) {
      const suffix = `_${n}`;
      action = `${base.slice(0, MAX_ACTION - suffix.length)}${suffix}`;
    }
    taken.add(action);
    actions.set(tool, action);
  }
  return actions;
}
