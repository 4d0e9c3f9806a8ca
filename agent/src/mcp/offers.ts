import { HelloFrame, MAX_FRAME_BYTES } from "#protocol";
import type { AgentLimits, ConnectorDescriptor, McpServerStatus } from "#protocol";
import type { Connector } from "../connectors/types.ts";
import { describeConnectors } from "../connectors/types.ts";

/** What `hello` and `connectors` frames say the agent offers. */
export type Offers = { connectors: ConnectorDescriptor[]; limits: AgentLimits; mcp_servers: McpServerStatus[] };

/** Room left in a frame for the envelope and hello's other fields. */
const FRAME_BUDGET = MAX_FRAME_BYTES - 16 * 1024;

/**
 * What to offer, made to fit one frame. MCP servers can list more (or larger) tools than a frame may carry, and a
 * hello the relay refuses would cut the whole computer off. States past the frame's count go first (the last ones:
 * requests waiting for approval come after the configured servers), then the last servers' connectors until it fits,
 * then the diffs in the states, then states from the end. One state too many never blanks the others.
 * `leftOut` names what was dropped, for the log.
 */
export function fitOffers(builtins: readonly Connector[], mcp: readonly Connector[], servers: McpServerStatus[], limits: AgentLimits): { offers: Offers; leftOut: string[] } {
  const fits = (offers: Offers) =>
    HelloFrame.shape.connectors.safeParse(offers.connectors).success &&
    HelloFrame.shape.mcp_servers.safeParse(offers.mcp_servers).success &&
    Buffer.byteLength(JSON.stringify(offers)) <= FRAME_BUDGET;
  const offered = [...mcp];
  const leftOut: string[] = [];
  const make = (states: McpServerStatus[]): Offers => ({ connectors: describeConnectors([...builtins, ...offered]), limits, mcp_servers: states });
  const states = [...servers];
  const dropStates = (until: () => boolean) => {
    const dropped: string[] = [];
    while (states.length > 0 && !until()) dropped.unshift(states.pop()?.name ?? "");
    if (dropped.length > 0) leftOut.push(`the states of ${dropped.join(", ")}`);
  };
  dropStates(() => HelloFrame.shape.mcp_servers.safeParse(states).success);
  // The first MCP connector is the `mcp` management one: it always stays.
  while (!fits(make(states)) && offered.length > 1) leftOut.push(offered.pop()?.target ?? "");
  if (fits(make(states))) return { offers: make(states), leftOut };
  const withoutDiffs = states.map((server) => ({ ...server, tools: server.tools.map(({ diff: _diff, ...tool }) => tool) }));
  if (fits(make(withoutDiffs))) return { offers: make(withoutDiffs), leftOut: [...leftOut, "the tools' diffs"] };
  states.splice(0, states.length, ...withoutDiffs);
  leftOut.push("the tools' diffs");
  dropStates(() => fits(make(states)));
  return { offers: make(states), leftOut };
}
