import type { CategoryRuleMatch } from "#protocol";
import { foldText, wildcardTest } from "./text.ts";

// How a category rule matches a transaction. One function, used by ingest (each arriving transaction) and by
// "apply to past rows", so a rule means the same thing wherever it runs.

/** The parts of a rule that decide what it matches. */
export type RuleSpec = { match: CategoryRuleMatch; pattern: string; category: string };

/** What a rule looks at in one transaction. */
export type MatchText = { merchant: string | null; description: string | null };

/** A rule made ready to test: its pattern folded once (and for a wildcard, split at its stars). */
export type CompiledRule = { category: string; test: (text: MatchText) => boolean };

export function compileRule(rule: RuleSpec): CompiledRule {
  const pattern = foldText(rule.pattern);
  const fold = (text: string | null) => (text === null ? null : foldText(text));
  switch (rule.match) {
    case "merchant_is":
      return { category: rule.category, test: ({ merchant }) => fold(merchant) === pattern };
    case "description_contains":
      return {
        category: rule.category,
        test: ({ merchant, description }) => [merchant, description].some((text) => text !== null && (fold(text) ?? "").includes(pattern)),
      };
    case "wildcard": {
      const matches = wildcardTest(pattern);
      return {
        category: rule.category,
        test: ({ merchant, description }) => [merchant, description].some((text) => text !== null && matches(text)),
      };
    }
  }
}

/** The first rule that matches, or undefined. Rules are in the order they are tried. */
export function firstMatch(rules: readonly CompiledRule[], text: MatchText): CompiledRule | undefined {
  if (text.merchant === null && text.description === null) return undefined;
  return rules.find((rule) => rule.test(text));
}

/** The category of the first rule that matches, or null. */
export function ruleCategory(rules: readonly CompiledRule[], text: MatchText): string | null {
  return firstMatch(rules, text)?.category ?? null;
}
