import { scopeCovers } from "#protocol";
import type { Approval, Command, Decision } from "#protocol";

/** A rule as the gate reads it (the D1 row, or anything shaped like it). */
export type Rule = {
  id: string;
  deviceId: string | null;
  target: string;
  action: string;
  scope: string | null;
  effect: "allow" | "deny";
  oneTime: boolean;
  expiresAt: number | null;
};

export type GateDecision = { effect: "allow"; rule: Rule } | { effect: "deny"; rule: Rule } | { effect: "ask" };

function covers(rule: Rule, command: Command, deviceId: string, now: number): boolean {
  if (rule.expiresAt !== null && rule.expiresAt <= now) return false;
  if (rule.deviceId !== null && rule.deviceId !== deviceId) return false;
  if (rule.target !== "*" && rule.target !== command.target) return false;
  if (rule.action !== "*" && rule.action !== command.action) return false;
  return scopeCovers(rule.scope, command);
}

/** How narrow a rule is: device, target, action and scope each make it narrower. */
function specificity(rule: Rule): number {
  return (rule.deviceId ? 8 : 0) + (rule.target !== "*" ? 4 : 0) + (rule.action !== "*" ? 2 : 0) + (rule.scope ? 1 : 0);
}

/**
 * The server's permission gate. Any covering deny wins (a deny is never overridden by a grant); otherwise the
 * narrowest covering allow, preferring a standing grant over a one-time one so one-time grants are kept for
 * when they are needed; otherwise the user is asked.
 */
export function evaluate(rules: readonly Rule[], command: Command, deviceId: string, now: number): GateDecision {
  const covering = rules.filter((rule) => covers(rule, command, deviceId, now));
  const deny = covering.find((rule) => rule.effect === "deny");
  if (deny) return { effect: "deny", rule: deny };
  const allows = covering
    .filter((rule) => rule.effect === "allow")
    .sort((a, b) => Number(a.oneTime) - Number(b.oneTime) || specificity(b) - specificity(a));
  const allow = allows[0];
  return allow ? { effect: "allow", rule: allow } : { effect: "ask" };
}

export const HOUR_MS = 60 * 60_000;

/** The grant a prompt's answer leaves behind, if any: "Allow once" and "Deny" leave none. */
export function grantFor(decision: Decision, now: number): { expiresAt: number | null } | null {
  switch (decision) {
    case "allow_1h":
      return { expiresAt: now + HOUR_MS };
    case "allow_always":
      return { expiresAt: null };
    case "allow_once":
    case "deny":
      return null;
  }
}

/** The approval a command carries when a standing rule let it through. */
export function approvalFromRule(rule: Rule): Approval {
  return { permission_id: rule.id, kind: rule.oneTime ? "once" : rule.expiresAt ? "until" : "always", expires_at: rule.expiresAt };
}

/** The approval a command carries when the user answered its prompt. */
export function approvalFromDecision(decision: Decision, grant: { expiresAt: number | null } | null): Approval {
  return { permission_id: null, kind: decision === "allow_1h" ? "until" : decision === "allow_always" ? "always" : "once", expires_at: grant?.expiresAt ?? null };
}
