import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import type { JsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/types.js";
import type { Sandbox } from "../connectors/sandbox.ts";
import { ActionError, toFailure } from "../connectors/types.ts";
import type { Action, ActionContext } from "../connectors/types.ts";
import { confinePaths } from "./confine.ts";
import type { PathPolicy } from "./confine.ts";
import { toToolResult } from "./results.ts";
import type { ToolDefinition } from "./types.ts";

// One MCP tool as a Hearth action (contract 5). Everything Hearth can check is checked here, before the server hears
// of the call: the arguments against the tool's own input schema, and every local path argument (confine.ts)
// against the filesystem sandbox, so a path outside the roots is refused `outside_roots` and the server never sees it.

/** Without a command deadline (a local command), a call waits this long for the tool. */
export const DEFAULT_CALL_TIMEOUT_MS = 5 * 60_000;

export type ToolActionOptions = {
  server: string;
  definition: ToolDefinition;
  description: string;
  readOnly: boolean;
  sandbox: Sandbox;
  /** Which path arguments are checked against the sandbox (confine.ts): none for a remote server. */
  paths: PathPolicy;
  /** Whether the server still offers this tool with this hash (checked again just before the call). */
  stillApproved: () => boolean;
  callTool: (name: string, args: Record<string, unknown>, timeoutMs: number) => Promise<CallToolResult>;
};

/** The action for one approved tool. */
export function createToolAction(options: ToolActionOptions): Action {
  const { definition, server } = options;
  // Compiled at the first call, not when offered: listing a server stays cheap. Each tool gets its own ajv (the SDK's
  // set-up: formats on, unknown keywords tolerated), so one server's `$id` can never stand in for another's schema.
  let compiled: { validate: JsonSchemaValidator<unknown> } | { error: string } | null = null;
  const validator = () => {
    if (compiled) return compiled;
    try {
      compiled = { validate: new AjvJsonSchemaValidator().getValidator(definition.input_schema) };
    } catch (error) {
      compiled = { error: error instanceof Error ? error.message : String(error) };
    }
    return compiled;
  };
  return {
    description: options.description,
    readOnly: options.readOnly,
    jsonSchema: definition.input_schema,
    mcpTool: definition.name,
    prepare: async (parameters, context?: ActionContext) => {
      const schema = validator();
      if ("error" in schema) {
        return { ok: false, error: { code: "execution_failed", message: `The server ${server} gave the tool ${definition.name} an input schema Hearth cannot check (${schema.error}), so Hearth does not call it. Update or fix the server.` } };
      }
      const checked = schema.validate(parameters);
      if (!checked.valid) {
        return { ok: false, error: { code: "invalid_parameters", message: `The parameters do not match ${definition.name}'s input schema — ${checked.errorMessage.replace(/(^|, )data(?=[/ .[]|$)/g, "$1parameters")}.` } };
      }
      let confined: { args: Record<string, unknown>; scopes: string[] };
      try {
        confined = await confinePaths(parameters, options.sandbox, options.paths);
      } catch (error) {
        return { ok: false, error: toFailure(error) };
      }
      return {
        ok: true,
        scopes: confined.scopes,
        run: async () => {
          // The definition may have changed while the user was being asked: only the approved one is called.
          if (!options.stillApproved()) {
            throw new ActionError("unknown_action", `The tool ${definition.name} of ${server} changed or went away before it could run, so it was not called. Review it on the device page or with \`hearth mcp approve ${server}\`.`);
          }
          const timeoutMs = context?.deadlineAt === undefined ? DEFAULT_CALL_TIMEOUT_MS : context.deadlineAt - Date.now();
          if (timeoutMs <= 0) throw new ActionError("timeout", `The deadline of this command passed before ${definition.name} could be called.`);
          try {
            return toToolResult(await options.callTool(definition.name, confined.args, timeoutMs), definition.name);
          } catch (error) {
            if (error instanceof ActionError) throw error;
            if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
              throw new ActionError("timeout", `The tool ${definition.name} of ${server} did not answer within the command's deadline (${Math.round(timeoutMs / 1000)} s), so Hearth stopped waiting and told the server to cancel it.`);
            }
            const message = error instanceof Error ? error.message : String(error);
            throw new ActionError("execution_failed", `The call to ${definition.name} on the MCP server ${server} failed: ${message}`.slice(0, 2000));
          }
        },
      };
    },
  };
}
