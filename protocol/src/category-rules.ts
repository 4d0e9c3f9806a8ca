import { z } from "zod";

// Category rules (issue 19): the user's own "this merchant or description goes in that category", applied to every
// transaction as it arrives and, on request, to past ones. Rules are tried in order; the first that matches wins.

/** How many rules one user may keep: plenty for hand-made rules, and a bound on the work each arriving batch does. */
export const MAX_CATEGORY_RULES = 200;

/**
 * What a rule compares its pattern with. Text is compared case-folded with whitespace collapsed.
 * - `merchant_is`: the merchant is the pattern's merchant, as subscriptions tell merchants apart: card and reference
 *   numbers, places and payment words ("SEPA-LASTSCHRIFT", "PAYPAL *") are left out, so "Albert Heijn" matches
 *   "ALBERT HEIJN 5678 UTRECHT".
 * - `description_contains`: the merchant or the description contains the pattern.
 * - `wildcard`: the merchant or the description matches the pattern whole, `*` standing for whatever text, as in
 *   the agent's config.json rules ("AMZN*" matches "AMZN Mktp DE").
 */
export const CategoryRuleMatch = z.enum(["merchant_is", "description_contains", "wildcard"]);
export type CategoryRuleMatch = z.infer<typeof CategoryRuleMatch>;

const pattern = z
  .string({ error: "Say what to look for: a merchant, a word from the description, or a pattern with *." })
  .trim()
  .min(1, { error: "The pattern is empty: say what to look for." })
  .max(200, { error: "The pattern is too long (200 characters at most)." })
  .refine((text) => text.replaceAll("*", "").trim().length > 0, { error: "A pattern of only * would match everything: add some text." });

const category = z
  .string({ error: "Say which category the matching transactions go in." })
  .trim()
  .min(1, { error: "The category is empty: name one." })
  .max(100, { error: "The category is too long (100 characters at most)." });

/** One rule as the API shows it. `position` counts from 0: the order the rules are tried in. */
export const CategoryRule = z.object({
  id: z.string(),
  match: CategoryRuleMatch,
  pattern: z.string(),
  category: z.string(),
  position: z.number().int(),
  created_at: z.number(),
  updated_at: z.number(),
});
export type CategoryRule = z.infer<typeof CategoryRule>;

/** client → API: POST /api/category-rules. Without `position` the rule goes last. */
export const CreateCategoryRule = z.object({
  match: CategoryRuleMatch,
  pattern,
  category,
  position: z.number().int().min(0).optional(),
});
export type CreateCategoryRule = z.infer<typeof CreateCategoryRule>;

/** client → API: PATCH /api/category-rules/:id. A new `position` moves the rule there and shifts the rest. */
export const UpdateCategoryRule = z
  .object({ match: CategoryRuleMatch.optional(), pattern: pattern.optional(), category: category.optional(), position: z.number().int().min(0).optional() })
  .refine((body) => Object.keys(body).length > 0, { error: "Say what to change: match, pattern, category or position." });
export type UpdateCategoryRule = z.infer<typeof UpdateCategoryRule>;

/** API → client: GET /api/category-rules, in the order they are tried. */
export const CategoryRulesList = z.object({ rules: z.array(CategoryRule), max: z.number() });
export type CategoryRulesList = z.infer<typeof CategoryRulesList>;

/**
 * client → API: POST /api/category-rules/:id/apply. `dry_run` counts what would change and changes nothing.
 * Without `overwrite`, rows whose category the user set by hand keep it; with it, every matching row changes.
 */
export const ApplyCategoryRule = z.object({ dry_run: z.boolean().default(false), overwrite: z.boolean().default(false) });
export type ApplyCategoryRule = z.infer<typeof ApplyCategoryRule>;

/** API → client: how many past transactions the rule changes (or, in a dry run, would change). */
export const CategoryRuleApplied = z.object({ rows: z.number().int(), dry_run: z.boolean(), overwrite: z.boolean() });
export type CategoryRuleApplied = z.infer<typeof CategoryRuleApplied>;

/**
 * client → API: GET /api/category-rules/merchant?merchant=. The "Always put … in …" offer asks how a "merchant is"
 * rule made from one transaction's merchant should read.
 */
export const MerchantRuleQuery = z.object({
  merchant: z
    .string({ error: "Say which merchant the rule is for." })
    .trim()
    .min(1, { error: "The merchant is empty: say which merchant the rule is for." })
    .max(500, { error: "The merchant is too long (500 characters at most)." }),
});
export type MerchantRuleQuery = z.infer<typeof MerchantRuleQuery>;

/**
 * API → client: the pattern for that rule, in the words people use ("Albert Heijn" for "ALBERT HEIJN 1234
 * UTRECHT"): it matches the same transactions the bank's full text would, and reads well in the rules list.
 */
export const MerchantRulePattern = z.object({ pattern: z.string() });
export type MerchantRulePattern = z.infer<typeof MerchantRulePattern>;
