import type { Command, Decision } from "#protocol";
import type { QueuedCommand } from "./command-store.ts";

/** How commands and decisions read in audit lines and prompts. */

export function describe(command: QueuedCommand): string {
  return `${command.command.target}.${command.command.action}`;
}

export function subjectText(command: Command): string {
  const { path, url, program, name } = command.parameters;
  const subject = [path, url, program, name].find((v) => typeof v === "string");
  return typeof subject === "string" ? ` on ${subject}` : "";
}

export function decisionText(decision: Decision): string {
  switch (decision) {
    case "allow_once":
      return "Allowed once";
    case "allow_1h":
      return "Allowed for 1 hour";
    case "allow_always":
      return "Always allowed";
    case "deny":
      return "Denied";
  }
}
