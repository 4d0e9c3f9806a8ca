import type { ClientCapabilities, ElicitRequestFormParams, ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import type { PermissionQuestion } from "./agent-client.ts";

/**
 * How long the client may show the "cancel this call?" form. The agent's own wait for the user ends sooner, and the
 * form is withdrawn as soon as the call ends, so this only keeps the SDK's 60 s default from closing it early.
 */
export const ELICITATION_TIMEOUT_MS = 60 * 60_000;

/**
 * Whether the client can show a form (MCP elicitation). An empty `elicitation` capability means form: that is how
 * clients declared it before the spec added URL mode.
 */
export function canElicitForm(capabilities: ClientCapabilities | undefined): boolean {
  const elicitation = capabilities?.elicitation;
  if (elicitation === undefined) return false;
  return elicitation.form !== undefined || elicitation.url === undefined;
}

/**
 * The form shown while a call waits for the user's answer in Hearth. It can only cancel: an approval must come from
 * the user in Hearth itself, never from the MCP client (whose model could fill the form in).
 */
export function cancelForm(question: PermissionQuestion): ElicitRequestFormParams {
  const what = `${question.target}.${question.action}${question.scope === undefined ? "" : ` on ${question.scope}`}`;
  return {
    mode: "form",
    message: `${what} waits for your approval in Hearth. Approval happens only there; you can cancel the call here.`,
    requestedSchema: {
      type: "object",
      properties: {
        cancel: {
          type: "boolean",
          title: "Cancel this call",
          description: "Yes: cancel it, and nothing runs. No: keep it waiting for your answer in Hearth.",
          default: true,
        },
      },
      required: ["cancel"],
    },
  };
}

/** Whether the answer cancels the call: declining or dismissing the form does; accepting does unless `cancel` is false. */
export function wantsCancel(result: ElicitResult): boolean {
  if (result.action !== "accept") return true;
  return result.content?.["cancel"] !== false;
}
