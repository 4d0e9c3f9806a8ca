import { z } from "zod";
import { AuditEntry } from "#protocol";
import { api, asQuery, callParsed } from "#lib/shared/api.ts";

// Requests are typed by the client (`hc<AppType>`); answers are checked against the protocol's schemas, because
// several routes answer with rows read from D1, whose types do not reach the web app's type check.

const AuditPage = z.object({ entries: z.array(AuditEntry), next_before: z.number().nullable() });

export const audit = {
  list: (query: { limit?: number; before?: number }) =>
    callParsed(api.audit.$get({ query: { limit: asQuery(query.limit), before: asQuery(query.before) } }), AuditPage),
};
