import { z } from "zod";
import { AuditEntry, CommandView, DeviceView, PairLookupResponse, PermissionRequestView, PermissionRule, RefusedActivityView } from "#protocol";
import type { CreatePermission, Decision, DispatchRequest } from "#protocol";
import { api, callParsed } from "./api.ts";

// The machine link's calls, named for what they do, so a route's shape lives in one place. Requests are typed by
// the client (`hc<AppType>`); answers are checked against the protocol's schemas, because several routes answer
// with rows read from D1, whose types do not reach the web app's type check, and because Hono's JSON typing reads
// `z.json()` values more loosely than the protocol does.

/** Query values travel as strings; `undefined` leaves the parameter out. */
const asQuery = (value: number | string | undefined) => (value === undefined ? undefined : String(value));

const DeviceName = z.object({ device_name: z.string() });
const DeviceList = z.object({ devices: z.array(DeviceView) });
const OneDevice = z.object({ device: DeviceView });
const RefusedList = z.object({ refused: z.array(RefusedActivityView) });
const CommandPage = z.object({ commands: z.array(CommandView), next_before: z.string().nullable() });
const OneCommand = z.object({ command: CommandView });
const RuleList = z.object({ permissions: z.array(PermissionRule) });
const OneRule = z.object({ permission: PermissionRule });
const Removed = z.object({ ok: z.literal(true) });
const RequestList = z.object({ requests: z.array(PermissionRequestView) });
const OneRequest = z.object({ request: PermissionRequestView });
const AuditPage = z.object({ entries: z.array(AuditEntry), next_before: z.number().nullable() });

/** What asks to pair, as `GET /api/pair/lookup` describes it. */
export type PairingRequest = z.infer<typeof PairLookupResponse>;

/** The device flow, from the browser's side: see what asks to pair, then approve or deny it. */
export const pairing = {
  lookup: (userCode: string) => callParsed(api.pair.lookup.$get({ query: { user_code: userCode } }), PairLookupResponse),
  approve: (userCode: string) => callParsed(api.pair.approve.$post({ json: { user_code: userCode } }), DeviceName),
  deny: (userCode: string) => callParsed(api.pair.deny.$post({ json: { user_code: userCode } }), DeviceName),
};

export const devices = {
  list: async () => (await callParsed(api.devices.$get(), DeviceList)).devices,
  /** Revokes the device's token and closes its socket; answers the device as it now is. */
  revoke: async (id: string) => (await callParsed(api.devices[":id"].$delete({ param: { id } }), OneDevice)).device,
  /** Activity this device sent that the server refused, newest first, with the reasons. */
  refusedActivity: async (id: string) => (await callParsed(api.devices[":id"]["refused-activity"].$get({ param: { id } }), RefusedList)).refused,
  /** Clears that list once the user has read it. */
  clearRefusedActivity: async (id: string) => {
    await callParsed(api.devices[":id"]["refused-activity"].$delete({ param: { id } }), Removed);
  },
};

export const commands = {
  /** One page, newest first; pass the answer's `next_before` as `before` for the next page. */
  list: (query: { device_id: string; limit?: number; before?: string }) =>
    callParsed(api.commands.$get({ query: { device_id: query.device_id, limit: asQuery(query.limit), before: asQuery(query.before) } }), CommandPage),
  get: async (id: string) => (await callParsed(api.commands[":id"].$get({ param: { id } }), OneCommand)).command,
  dispatch: async (body: DispatchRequest) => (await callParsed(api.commands.$post({ json: body }), OneCommand)).command,
  /** A new command with `retry_of`, for a failed or expired one. */
  retry: async (id: string) => (await callParsed(api.commands[":id"].retry.$post({ param: { id } }), OneCommand)).command,
};

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

export const audit = {
  list: (query: { limit?: number; before?: number }) =>
    callParsed(api.audit.$get({ query: { limit: asQuery(query.limit), before: asQuery(query.before) } }), AuditPage),
};
