import { z } from "zod";
import type { ConnectorDescriptor, ErrorCode, Failure, Json } from "#protocol";

/** A failure an action reports on purpose, with a code from the protocol and a message that teaches the fix. */
export class ActionError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** How a connector declares one action. `parameters` is a zod object; it is validated before anything else. */
export type ActionSpec<S extends z.ZodType> = {
  description: string;
  /** True when running it twice is harmless: such a command is re-run after a crash instead of reported interrupted. */
  readOnly: boolean;
  parameters: S;
  /**
   * The path, URL, program or app the command touches, as permission scopes match it (a path may have two forms:
   * as given and as resolved). May throw ActionError, e.g. `outside_roots`, before any permission is asked.
   */
  scopes?: (params: z.output<S>) => Promise<string[]> | string[];
  run: (params: z.output<S>) => Promise<unknown>;
};

/** A command checked and ready: what it touches, and the thunk that runs it. */
export type PreparedAction = { ok: true; scopes: string[]; run: () => Promise<unknown> } | { ok: false; error: Failure };

/** What the executor knows about the command an action is prepared for. */
export type ActionContext = {
  /** The command's deadline (epoch ms), if it has one: a bridged MCP tool waits for its server until then. */
  deadlineAt?: number;
};

/** An action with its parameter type erased, as the executor sees it. */
export type Action = {
  description: string;
  readOnly: boolean;
  /** JSON Schema of the parameters, as advertised in `hello`. */
  jsonSchema: Record<string, Json>;
  /** Set for a bridged MCP tool: its name on the server (advertised as `mcp_tool`). */
  mcpTool?: string;
  prepare: (parameters: Record<string, unknown>, context?: ActionContext) => Promise<PreparedAction>;
};

/** A connector: a target name and its actions. */
export type Connector = { target: string; description: string; actions: Record<string, Action> };

const JsonObject = z.record(z.string(), z.json());

/** Turns a typed action spec into an Action that validates its own parameters. */
export function defineAction<S extends z.ZodType>(spec: ActionSpec<S>): Action {
  return {
    description: spec.description,
    readOnly: spec.readOnly,
    jsonSchema: JsonObject.parse(z.toJSONSchema(spec.parameters, { io: "input", unrepresentable: "any" })),
    prepare: async (parameters) => {
      const parsed = spec.parameters.safeParse(parameters);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "parameters"}: ${issue.message}`);
        return { ok: false, error: { code: "invalid_parameters", message: `The parameters are not valid — ${problems.join("; ")}.` } };
      }
      const params = parsed.data;
      try {
        const scopes = spec.scopes ? await spec.scopes(params) : [];
        return { ok: true, scopes, run: () => spec.run(params) };
      } catch (error) {
        return { ok: false, error: toFailure(error) };
      }
    },
  };
}

/** The failure to report for anything an action threw. */
export function toFailure(error: unknown): Failure {
  if (error instanceof ActionError) return { code: error.code, message: error.message };
  return { code: "execution_failed", message: error instanceof Error ? error.message : String(error) };
}

/** The descriptors sent in `hello`. */
export function describeConnectors(connectors: readonly Connector[]): ConnectorDescriptor[] {
  return connectors.map((connector) => ({
    target: connector.target,
    description: connector.description.slice(0, 500),
    actions: Object.entries(connector.actions).map(([action, spec]) => ({
      action,
      description: spec.description.slice(0, 500),
      read_only: spec.readOnly,
      parameters: spec.jsonSchema,
      ...(spec.mcpTool === undefined ? {} : { mcp_tool: spec.mcpTool.slice(0, 200) }),
    })),
  }));
}
