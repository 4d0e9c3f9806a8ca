import { globMatch } from "#protocol";
import { hearthCommand } from "../invocation.ts";

/** `ask` runs a command only with the user's approval: the server's (relay commands) or a prompt (local ones). */
export type Effect = "allow" | "ask" | "deny";

/** A local permission rule. `*` matches any target or action; a null scope covers every path, URL or program. */
export type LocalRule = {
  id: string;
  target: string;
  action: string;
  scope: string | null;
  effect: Effect;
  /** Epoch ms; null never expires. */
  expires_at: number | null;
  created_at: number;
  /** `default` rules are built in; `user` ones come from `hearth permissions`; `prompt` ones from answered prompts. */
  source: "default" | "user" | "prompt";
};

/** What a command asks to do, as the rules see it. `scopes` are the forms of its path (or URL, program, app). */
export type PermissionQuery = { target: string; action: string; scopes: string[] };

export type LocalDecision = { effect: Effect; rule: LocalRule; reason: string };

const builtIn = (id: string, target: string, action: string, effect: Effect): LocalRule => ({
  id,
  target,
  action,
  scope: null,
  effect,
  expires_at: null,
  created_at: 0,
  source: "default",
});

/**
 * The built-in policy. Reading inside the roots is allowed, anything that changes the computer asks first, and the
 * shell is denied until the user grants it. Any rule the user adds outranks all of these.
 */
export const DEFAULT_RULES: readonly LocalRule[] = [
  builtIn("default-fs-list", "filesystem", "list", "allow"),
  builtIn("default-fs-stat", "filesystem", "stat", "allow"),
  builtIn("default-fs-read", "filesystem", "read", "allow"),
  builtIn("default-fs-search", "filesystem", "search", "allow"),
  builtIn("default-system-info", "system", "info", "allow"),
  builtIn("default-fs-write", "filesystem", "write", "ask"),
  builtIn("default-fs-trash", "filesystem", "trash", "ask"),
  builtIn("default-browser-open", "browser", "open", "ask"),
  builtIn("default-apps-launch", "apps", "launch", "ask"),
  builtIn("default-shell", "shell", "*", "deny"),
  builtIn("default-other", "*", "*", "ask"),
];

const STRICTNESS: Record<Effect, number> = { allow: 0, ask: 1, deny: 2 };

/**
 * Decides a query against the user's rules, then the defaults. Any matching deny wins, as on the server, so a deny
 * cannot be carved up by a narrower allow. Otherwise the most specific rule wins (a scope beats none, a longer
 * literal scope beats a shorter one, a named target or action beats `*`), and between equals ask beats allow.
 * With several scope forms (a path as typed and as resolved), the strictest answer counts.
 */
export function decide(userRules: readonly LocalRule[], query: PermissionQuery, now: number = Date.now()): LocalDecision {
  const scopes: (string | null)[] = query.scopes.length > 0 ? query.scopes : [null];
  let strictest: LocalDecision | null = null;
  for (const scope of scopes) {
    const live = userRules.filter((rule) => rule.expires_at === null || rule.expires_at > now);
    const rule = pick(live, query, scope) ?? pick(DEFAULT_RULES, query, scope) ?? DEFAULT_RULES[DEFAULT_RULES.length - 1];
    if (!rule) throw new Error("the default rules end with a catch-all");
    const decision = { effect: rule.effect, rule, reason: explain(rule, query) };
    if (!strictest || STRICTNESS[decision.effect] > STRICTNESS[strictest.effect]) strictest = decision;
  }
  if (!strictest) throw new Error("unreachable: at least one scope is checked");
  return strictest;
}

/** Whether a rule covers a target, action and scope (ignoring expiry). */
export function ruleMatches(rule: LocalRule, target: string, action: string, scope: string | null): boolean {
  if (rule.target !== "*" && rule.target !== target) return false;
  if (rule.action !== "*" && rule.action !== action) return false;
  if (rule.scope === null) return true;
  return scope !== null && globMatch(rule.scope, scope);
}

function pick(rules: readonly LocalRule[], query: PermissionQuery, scope: string | null): LocalRule | null {
  let best: LocalRule | null = null;
  for (const rule of rules) {
    if (!ruleMatches(rule, query.target, query.action, scope)) continue;
    if (!best || compare(rule, best) > 0) best = rule;
  }
  return best;
}

/** Positive when `a` should win over `b`: a deny first, then the more specific, then the stricter. */
function compare(a: LocalRule, b: LocalRule): number {
  const keys = (rule: LocalRule) => [
    rule.effect === "deny" ? 1 : 0,
    rule.scope === null ? 0 : 1,
    rule.scope === null ? 0 : rule.scope.replace(/[*?]/g, "").length,
    (rule.target === "*" ? 0 : 1) + (rule.action === "*" ? 0 : 1),
    STRICTNESS[rule.effect],
  ];
  const ka = keys(a);
  const kb = keys(b);
  for (let i = 0; i < ka.length; i++) {
    const diff = (ka[i] ?? 0) - (kb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

function explain(rule: LocalRule, query: PermissionQuery): string {
  const what = `${query.target}.${query.action}`;
  if (rule.source === "default") {
    if (rule.effect === "deny") {
      return `${what} is off by default on this computer. To allow it, run \`${hearthCommand()} permissions grant ${query.target} ${query.action}\` on this computer.`;
    }
    return rule.effect === "ask" ? `${what} needs your approval by default.` : `${what} is allowed by default.`;
  }
  const scope = rule.scope === null ? "" : ` for ${rule.scope}`;
  const verb = rule.effect === "deny" ? "denied" : rule.effect === "ask" ? "set to ask" : "allowed";
  const fix = rule.effect === "deny" ? ` To change that, run \`${hearthCommand()} permissions revoke ${rule.id}\` on this computer.` : "";
  return `${what} is ${verb}${scope} by this computer's rule ${rule.id}.${fix}`;
}
