import { z } from "zod";
import { CategoryRule } from "#protocol";

// The category rules' answer schemas, in a chunk of their own (like web/src/lib/activity/schemas.ts): api.ts loads
// it with the first call, so zod is not part of the page's first JS.

export { CategoryRuleApplied, CategoryRulesList, MerchantRulePattern } from "#protocol/category-rules.ts";
export const OneRule = z.object({ rule: CategoryRule });
export const Ok = z.object({ ok: z.literal(true) });
