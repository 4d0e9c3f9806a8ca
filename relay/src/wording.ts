import type { Command, Decision } from "#protocol";
import type { QueuedCommand } from "./command-store.ts";
import type { PermissionRequestRecord } from "./d1-sync.ts";

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

/** What an answered (or lapsed) request came to, as every view of it says once it can no longer be answered. */
export function requestOutcome(request: PermissionRequestRecord): string {
  const what = `${request.target}.${request.action}`;
  if (request.status === "expired") return `No longer waiting: ${what} expired or was withdrawn before it was answered.`;
  const decision = request.decision === "allow_once" || request.decision === "allow_1h" || request.decision === "allow_always" || request.decision === "deny" ? request.decision : null;
  if (decision === null) return `Answered: ${what}.`;
  const granted = decision === "allow_1h" || decision === "allow_always" ? ` (${request.grantedScope ?? "everything"})` : "";
  return `${decisionText(decision)}: ${what}${granted}.`;
}
