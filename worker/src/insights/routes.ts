import { Hono } from "hono";
import { UnusualQuery } from "#protocol";
import { requireUser } from "../auth/session.ts";
import type { AppEnv } from "../http/types.ts";
import { queryParams } from "../http/validate.ts";
import { dayOf, loadHistory, subscriptions, unusual } from "../../../core/src/insights/history.ts";

/** /api/insights: recurring payments and unusual spending, worked out from the user's last 25 months of money rows. */
export const routes = new Hono<AppEnv>()
  // "Subscriptions and bills": the series still going, money out and money in, with a month's total per currency.
  .get("/subscriptions", requireUser, async (c) => {
    const now = Date.now();
    const history = await loadHistory(c.env.DB, c.get("auth").user.id, now);
    return c.json(subscriptions(history, dayOf(now)), 200);
  })
  // Spending far above the user's usual in the current week or month (and single payments unusual for their merchant).
  .get("/unusual", requireUser, queryParams(UnusualQuery), async (c) => {
    const now = Date.now();
    const history = await loadHistory(c.env.DB, c.get("auth").user.id, now);
    return c.json(unusual(history, dayOf(now), c.req.valid("query").period), 200);
  })
  // Both periods from one read of the history: the dashboard's card asks once, not once a period.
  .get("/unusual/week-and-month", requireUser, async (c) => {
    const now = Date.now();
    const history = await loadHistory(c.env.DB, c.get("auth").user.id, now);
    const today = dayOf(now);
    return c.json({ week: unusual(history, today, "week"), month: unusual(history, today, "month") }, 200);
  });
