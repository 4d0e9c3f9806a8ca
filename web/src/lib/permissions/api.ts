import { z } from "zod";
import { PermissionRequestView, PermissionRule } from "#protocol";
import type { CreatePermission, Decision } from "#protocol";
import { api, callParsed } from "#lib/shared/api.ts";

// Requests are typed by the client (`hc<AppType>`); answers are checked against the protocol's schemas, because
// several routes answer with rows read from D1, whose types do not reach the web app's type check.

const RuleList = z.object({ permissions: z.array(PermissionRule) });
const OneRule = z.object({ permission: PermissionRule });
const Removed = z.object({ ok: z.literal(true) });
const RequestList = z.object({ requests: z.array(PermissionRequestView) });
const OneRequest = z.object({ request: PermissionRequestView });

export const permissions = {
  list: async () => (await callParsed(api.permissions.$get(), RuleList)).permissions,
  create: async (body: CreatePermission) => (await callParsed(api.permissions.$post({ json: body }), OneRule)).permission,
  revoke: async (id: string) => {
    await callParsed(api.permissions[":id"].$delete({ param: { id } }), Removed);
  },
};

export const permissionRequests = {
  pending: async () => (await callParsed(api["permission-requests"].$get({ query: { status: "pending" } }), RequestList)).requests,
  /** Answers a request; `scope` is the one the prompt showed for a grant (null: everything), left out for the rest. */
  decide: async (id: string, decision: Decision, scope?: string | null) =>
    (await callParsed(api["permission-requests"][":id"].decision.$post({ param: { id }, json: { decision, ...(scope === undefined ? {} : { scope }) } }), OneRequest)).request,
};
