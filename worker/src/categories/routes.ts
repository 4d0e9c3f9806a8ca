import { Hono } from "hono";
import { ApplyCategoryRule, CreateCategoryRule, MAX_CATEGORY_RULES, MerchantRuleQuery, UpdateCategoryRule } from "#protocol";
import type { CategoryRuleApplied, CategoryRulesList, MerchantRulePattern } from "#protocol";
import { requireUser } from "../auth/session.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { jsonBody, queryParams } from "../http/validate.ts";
import { merchantRulePattern } from "../../../core/src/categories/match.ts";
import { applyRule, createRule, deleteRule, listRules, ruleView, updateRule } from "../../../core/src/categories/rules.ts";

// /api/category-rules: the user's "this merchant goes in that category" rules (Settings → Activity, and the
// activity drawer's "Always put … in …"). Ingest applies them to every arriving transaction; `apply` to past ones.

const notFound = () => new ApiError(404, "not_found", "There is no such category rule. It may have been deleted.");

export const routes = new Hono<AppEnv>()
  .use(requireUser)
  .get("/", async (c) => {
    const body: CategoryRulesList = { rules: (await listRules(c.env.DB, c.get("auth").user.id)).map(ruleView), max: MAX_CATEGORY_RULES };
    return c.json(body, 200);
  })
  // How a "merchant is" rule made from this merchant reads ("Albert Heijn" for "ALBERT HEIJN 1234 UTRECHT").
  .get("/merchant", queryParams(MerchantRuleQuery), (c) => {
    const body: MerchantRulePattern = { pattern: merchantRulePattern(c.req.valid("query").merchant) };
    return c.json(body, 200);
  })
  .post("/", jsonBody(CreateCategoryRule), async (c) => {
    const created = await createRule(c.env.DB, c.get("auth").user.id, c.req.valid("json"));
    if (created === "full") throw new ApiError(409, "conflict", `You have ${MAX_CATEGORY_RULES} category rules, the most allowed. Delete or merge some first.`);
    return c.json({ rule: ruleView(created) }, 201);
  })
  .patch("/:id", jsonBody(UpdateCategoryRule), async (c) => {
    const updated = await updateRule(c.env.DB, c.get("auth").user.id, c.req.param("id"), c.req.valid("json"));
    if (!updated) throw notFound();
    return c.json({ rule: ruleView(updated) }, 200);
  })
  .delete("/:id", async (c) => {
    if (!(await deleteRule(c.env.DB, c.get("auth").user.id, c.req.param("id")))) throw notFound();
    return c.json({ ok: true as const }, 200);
  })
  // Apply to past rows: a dry run first says how many would change; the real run changes them in one D1 batch.
  .post("/:id/apply", jsonBody(ApplyCategoryRule), async (c) => {
    const options = c.req.valid("json");
    const rows = await applyRule(c.env.DB, c.get("auth").user.id, c.req.param("id"), options);
    if (rows === null) throw notFound();
    const body: CategoryRuleApplied = { rows, dry_run: options.dry_run, overwrite: options.overwrite };
    return c.json(body, 200);
  });
