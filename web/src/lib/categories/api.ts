import type { CategoryRuleMatch, CreateCategoryRule, UpdateCategoryRule } from "#protocol";
import { api, callParsed } from "#lib/shared/api.ts";
import { lazySchemas } from "#lib/shared/lazy-schemas.ts";

// The category rules' calls (/api/category-rules): Settings → Activity's list, and the activity drawer's
// "Always put … in …" after a correction.

const { schema } = lazySchemas(() => import("./schemas.ts"));
const rules = api["category-rules"];

export const categoryRulesApi = {
  list: () => callParsed(rules.$get(), schema("CategoryRulesList")),
  create: async (body: CreateCategoryRule) => (await callParsed(rules.$post({ json: body }), schema("OneRule"))).rule,
  update: async (id: string, body: UpdateCategoryRule) => (await callParsed(rules[":id"].$patch({ param: { id }, json: body }), schema("OneRule"))).rule,
  remove: (id: string) => callParsed(rules[":id"].$delete({ param: { id } }), schema("Ok")),
  /** How a "merchant is" rule made from this merchant reads: "Albert Heijn" for "ALBERT HEIJN 1234 UTRECHT". */
  merchantPattern: async (merchant: string) => (await callParsed(rules.merchant.$get({ query: { merchant } }), schema("MerchantRulePattern"))).pattern,
  /** How many past transactions the rule would change (`dry_run`), or changes. */
  apply: async (id: string, options: { dry_run: boolean; overwrite?: boolean }) =>
    (await callParsed(rules[":id"].apply.$post({ param: { id }, json: { dry_run: options.dry_run, overwrite: options.overwrite ?? false } }), schema("CategoryRuleApplied"))).rows,
};

/** How each kind of rule reads, in the list and the editor. */
export const MATCH_LABELS: Record<CategoryRuleMatch, string> = {
  merchant_is: "Merchant is",
  description_contains: "Text contains",
  wildcard: "Matches pattern (*)",
};
