import type { CreatePermission, Decision } from "#protocol";
import { api, callParsed } from "#lib/shared/api.ts";
import { lazySchemas } from "#lib/shared/lazy-schemas.ts";

// Requests are typed by the client (`hc<AppType>`); answers are checked against the protocol's schemas, because
// several routes answer with rows read from D1, whose types do not reach the web app's type check.

// The schemas (schemas.ts, with zod) load with the first call.
const { schema } = lazySchemas(() => import("./schemas.ts"));

export const permissions = {
  list: async () => (await callParsed(api.permissions.$get(), schema("RuleList"))).permissions,
  create: async (body: CreatePermission) => (await callParsed(api.permissions.$post({ json: body }), schema("OneRule"))).permission,
  revoke: async (id: string) => {
    await callParsed(api.permissions[":id"].$delete({ param: { id } }), schema("Removed"));
  },
};

export const permissionRequests = {
  pending: async () => (await callParsed(api["permission-requests"].$get({ query: { status: "pending" } }), schema("RequestList"))).requests,
  /** Answers a request; `scope` is the one the prompt showed for a grant (null: everything), left out for the rest. */
  decide: async (id: string, decision: Decision, scope?: string | null) =>
    (await callParsed(api["permission-requests"][":id"].decision.$post({ param: { id }, json: { decision, ...(scope === undefined ? {} : { scope }) } }), schema("OneRequest"))).request,
};
