import { CONFIGURE_LLM_HINT } from "./model.ts";
import { toolHelpLine } from "./mcp-tools.ts";
import { SENTENCE_EXAMPLES, SLASH_COMMANDS } from "./phrases.ts";
import type { Capability } from "./parser.ts";

// The /help answer. What must stay true: it lists only what the connected devices can do right now (no /run
// without shell.run, no /launch without apps.launch), so everything it shows works when typed.

export const ACTIVITY_EXAMPLES =
  'I can also answer questions about your activity: "how much did I spend on groceries last month", "my biggest purchases this week", ' +
  '"which jobs did I apply to in October", "show my Amazon orders".';

export type HelpContext = {
  capabilities: readonly Capability[];
  /** Whether a language model reads what the parser does not; without one, help says how to plug one in. */
  model: boolean;
  /** Whether activity questions can be answered here. */
  activity: boolean;
};

/** The help answer for what is connected now. */
export function helpText(context: HelpContext): string {
  const offered = new Set(context.capabilities.map((c) => `${c.target}.${c.action}`));
  const slash = SLASH_COMMANDS.filter((spec) => spec.action !== null && offered.has(spec.action));
  const sentences = [...SENTENCE_EXAMPLES].filter(([action]) => offered.has(action)).map(([, example]) => example);
  const tool = toolHelpLine(context.capabilities);
  // Paragraphs apart, so markdown does not fold a sentence into the list above it.
  const paragraphs =
    slash.length === 0 && tool === null
      ? ["No connected device can do anything yet: start the agent on your computer with `npx hearth start`, or pair one with `npx hearth pair`."]
      : [
          ["Here is what I can do on your computer:", ...slash.map((spec) => `- \`${spec.usage}\`: ${spec.does}`), ...(tool ? [tool] : []), "- `/help`: show this list"].join("\n"),
          ...(sentences.length > 0 ? [`Or say it in words: ${sentences.join(", ")}.`] : []),
        ];
  if (context.activity) paragraphs.push(ACTIVITY_EXAMPLES);
  if (!context.model) paragraphs.push(CONFIGURE_LLM_HINT);
  return paragraphs.join("\n\n");
}
