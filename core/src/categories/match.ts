import type { CategoryRuleMatch } from "#protocol";
import { merchantLabel, normaliseMerchant } from "../insights/merchant.ts";
import { foldText, wildcardTest } from "./text.ts";

// How a category rule matches a transaction. One function, used by ingest (each arriving transaction) and by
// "apply to past rows", so a rule means the same thing wherever it runs.

/** The parts of a rule that decide what it matches. */
export type RuleSpec = { match: CategoryRuleMatch; pattern: string; category: string };

/** What a rule looks at in one transaction. */
export type MatchText = { merchant: string | null; description: string | null };

/** One transaction's text, each form worked out once however many rules look at it. */
type Seen = { merchantKey: () => string | null; folded: () => (string | null)[]; raw: (string | null)[] };

/** A rule made ready to test: its pattern folded once (a merchant reduced to its key, a wildcard split at its stars). */
export type CompiledRule = { category: string; test: (text: Seen) => boolean };

/**
 * The key a "merchant is" rule compares: the one subscriptions group payments by (normaliseMerchant), so
 * "ALBERT HEIJN 1234 UTRECHT" and next month's "ALBERT HEIJN 5678 UTRECHT" are the same merchant. When nothing is
 * left of the text once the payment words are gone ("PAYPAL"), the folded text itself is the key.
 */
export function merchantKey(text: string): string {
  return normaliseMerchant(text) || foldText(text);
}

/**
 * The pattern a "merchant is" rule made from a transaction's merchant stores: the merchant as people write it
 * ("Albert Heijn" for "ALBERT HEIJN 1234 UTRECHT"), which has the same key, so it matches what the bank's text would.
 * The bank's text itself when the short name would not come back to the same key.
 */
export function merchantRulePattern(merchant: string): string {
  const key = normaliseMerchant(merchant);
  const label = merchantLabel(key);
  return key !== "" && merchantKey(label) === key ? label : merchant.trim();
}

function seen(text: MatchText): Seen {
  let key: string | null | undefined;
  let folded: (string | null)[] | undefined;
  const raw = [text.merchant, text.description];
  return {
    merchantKey: () => (key === undefined ? (key = text.merchant === null ? null : merchantKey(text.merchant)) : key),
    folded: () => (folded ??= raw.map((part) => (part === null ? null : foldText(part)))),
    raw,
  };
}

export function compileRule(rule: RuleSpec): CompiledRule {
  const pattern = foldText(rule.pattern);
  switch (rule.match) {
    case "merchant_is": {
      const key = merchantKey(rule.pattern);
      return { category: rule.category, test: (text) => text.merchantKey() === key };
    }
    case "description_contains":
      return { category: rule.category, test: (text) => text.folded().some((part) => part !== null && part.includes(pattern)) };
    case "wildcard": {
      const matches = wildcardTest(pattern);
      return { category: rule.category, test: (text) => text.raw.some((part) => part !== null && matches(part)) };
    }
  }
}

/** The first rule that matches, or undefined. Rules are in the order they are tried. */
export function firstMatch(rules: readonly CompiledRule[], text: MatchText): CompiledRule | undefined {
  if (text.merchant === null && text.description === null) return undefined;
  const once = seen(text);
  return rules.find((rule) => rule.test(once));
}

/** The category of the first rule that matches, or null. */
export function ruleCategory(rules: readonly CompiledRule[], text: MatchText): string | null {
  return firstMatch(rules, text)?.category ?? null;
}
