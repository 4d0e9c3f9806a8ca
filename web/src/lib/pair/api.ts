import { z } from "zod";
import { PairLookupResponse } from "#protocol";
import { api, callParsed } from "#lib/shared/api.ts";

// Requests are typed by the client (`hc<AppType>`); answers are checked against the protocol's schemas, because
// several routes answer with rows read from D1, whose types do not reach the web app's type check.

const DeviceName = z.object({ device_name: z.string() });

/** What asks to pair, as `GET /api/pair/lookup` describes it. */
export type PairingRequest = z.infer<typeof PairLookupResponse>;

/** The device flow, from the browser's side: see what asks to pair, then approve or deny it. */
export const pairing = {
  lookup: (userCode: string) => callParsed(api.pair.lookup.$get({ query: { user_code: userCode } }), PairLookupResponse),
  approve: (userCode: string) => callParsed(api.pair.approve.$post({ json: { user_code: userCode } }), DeviceName),
  deny: (userCode: string) => callParsed(api.pair.deny.$post({ json: { user_code: userCode } }), DeviceName),
};
