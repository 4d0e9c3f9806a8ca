import { InstallLinkResponse, InstallLinkStatus } from "#protocol";
import { api, callParsed } from "#lib/shared/api.ts";

// Install links (issue 16's contract, "Install links"): a short-lived key baked into the one line the user pastes
// on the new computer, so this page can see the pairing that line starts and approve it with one click. Requests
// are typed by the client (`hc<AppType>`); answers are checked against the protocol's schemas, as in `api.ts`.

export type InstallLink = InstallLinkResponse;
export type { InstallLinkStatus };
/** The pairing a line started (one per line), as `GET /api/pair/install-links/<key>` describes it. */
export type InstallPairing = NonNullable<InstallLinkStatus["pairing"]>;

export const installLinks = {
  /** Makes a fresh key (valid 30 minutes) and the lines that carry it. */
  create: () => callParsed(api.pair["install-links"].$post(), InstallLinkResponse),
  /** What the line has started so far; 404 once the key is unknown (another user's, or cleaned away). */
  status: (key: string) => callParsed(api.pair["install-links"][":key"].$get({ param: { key } }), InstallLinkStatus),
};
