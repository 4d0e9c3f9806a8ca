import { z } from "zod";
import { ApiFailure, failureOf, noticeSignOut } from "#lib/shared/api.ts";

// Install links (issue 16's contract, "Install links"): a short-lived key baked into the one line the user pastes
// on the new computer, so this page can see the pairing that line starts and approve it with one click.
//
// These routes are the server helper's (worker/src/pairing/routes.ts) and reached the branch after this file was
// written, so the calls use fetch with the contract's shapes checked here, like the other fetch-based calls
// (account export, chat streams). Once the routes are in `AppType`, they can move to `hc` and the protocol's schemas.

/** `POST /api/pair/install-links`: the key, when it stops working, and the line for each system. */
export const InstallLink = z.object({
  key: z.string().min(1),
  expires_at: z.number(),
  commands: z.object({ unix: z.string().min(1), windows: z.string().min(1) }),
});
export type InstallLink = z.infer<typeof InstallLink>;

/** The latest pairing a line started, as `GET /api/pair/install-links/<key>` describes it. */
export const InstallPairing = z.object({
  user_code: z.string(),
  name: z.string(),
  platform: z.string(),
  agent_version: z.string(),
  started_at: z.number(),
  started_from: z.object({ ip: z.string().nullable(), place: z.string().nullable() }),
  status: z.enum(["pending", "approved", "denied", "consumed"]),
  device_id: z.string().nullable(),
});
export type InstallPairing = z.infer<typeof InstallPairing>;

export const InstallLinkStatus = z.object({ expires_at: z.number(), pairing: InstallPairing.nullable() });
export type InstallLinkStatus = z.infer<typeof InstallLinkStatus>;

/** Sends one same-origin request and parses its answer, throwing an `ApiFailure` as `call` does. */
async function send<S extends z.ZodType>(url: string, init: RequestInit, schema: S): Promise<z.output<S>> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, credentials: "same-origin" });
  } catch {
    throw new ApiFailure(0, "network", "Can't reach Hearth. Check your connection; this keeps trying.");
  }
  if (!response.ok) {
    const failure = await failureOf(response);
    noticeSignOut(failure);
    throw failure;
  }
  const parsed = schema.safeParse(await response.json().catch(() => null));
  if (parsed.success) return parsed.data;
  throw new ApiFailure(200, "internal", "Hearth answered in a shape this page doesn't understand. Reload the page to get the latest version.");
}

export const installLinks = {
  /** Makes a fresh key (valid 30 minutes) and the lines that carry it. */
  create: () => send("/api/pair/install-links", { method: "POST" }, InstallLink),
  /** What the line has started so far; 404 once the key is unknown (another user's, or cleaned away). */
  status: (key: string) => send(`/api/pair/install-links/${encodeURIComponent(key)}`, {}, InstallLinkStatus),
};
