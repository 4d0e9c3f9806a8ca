import { z } from "zod";
import { CommandView } from "#protocol";
import type { DispatchRequest } from "#protocol";
import { api, asQuery, callParsed } from "#lib/shared/api.ts";

// Requests are typed by the client (`hc<AppType>`); answers are checked against the protocol's schemas, because
// several routes answer with rows read from D1, whose types do not reach the web app's type check.

const CommandPage = z.object({ commands: z.array(CommandView), next_before: z.string().nullable() });
const OneCommand = z.object({ command: CommandView });

export const commands = {
  /** One page, newest first; pass the answer's `next_before` as `before` for the next page. */
  list: (query: { device_id: string; limit?: number; before?: string }) =>
    callParsed(api.commands.$get({ query: { device_id: query.device_id, limit: asQuery(query.limit), before: asQuery(query.before) } }), CommandPage),
  get: async (id: string) => (await callParsed(api.commands[":id"].$get({ param: { id } }), OneCommand)).command,
  dispatch: async (body: DispatchRequest) => (await callParsed(api.commands.$post({ json: body }), OneCommand)).command,
  /** A new command with `retry_of`, for a failed or expired one. */
  retry: async (id: string) => (await callParsed(api.commands[":id"].retry.$post({ param: { id } }), OneCommand)).command,
};
