import { z } from "zod";
import { Email, Password, PASSWORD_MAX_LENGTH } from "./auth.ts";

// Settings → Account: password, email, sessions, known browsers, the archive and deleting the account.

/** The current password, asked again before anything that changes who can sign in. Not length-checked, like sign-in. */
const CurrentPassword = z.string({ error: "Enter your current password." }).min(1, { error: "Enter your current password." }).max(PASSWORD_MAX_LENGTH);

/** browser → API: POST /api/account/password. Every other session ends; this one stays. */
export const ChangePasswordRequest = z.object({ current_password: CurrentPassword, new_password: Password });
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequest>;

/** browser → API: POST /api/account/email. The address changes only once the link sent to it is opened. */
export const ChangeEmailRequest = z.object({ current_password: CurrentPassword, new_email: Email });
export type ChangeEmailRequest = z.infer<typeof ChangeEmailRequest>;

/** API → browser: where the link went, and until when it works. */
export const ChangeEmailResponse = z.object({ sent_to: z.string(), expires_at: z.number() });
export type ChangeEmailResponse = z.infer<typeof ChangeEmailResponse>;

/** anyone with the link → API: POST /api/account/email/confirm. The token comes from the link's #fragment. */
export const ConfirmEmailRequest = z.object({ token: z.string({ error: "The link is incomplete. Open it again from the email." }).min(20).max(200) });

/** A signed-in session, as Settings → Account lists it. `browser` is read from the user agent: "Firefox on Linux". */
export const SessionView = z.object({
  id: z.string(),
  browser: z.string(),
  user_agent: z.string().nullable(),
  ip: z.string().nullable(),
  created_at: z.number(),
  last_seen_at: z.number(),
  current: z.boolean(),
});
export type SessionView = z.infer<typeof SessionView>;
export const SessionsAnswer = z.object({ sessions: z.array(SessionView) });

/** A browser this account has signed in from; a sign-in from any other is announced as new. */
export const KnownBrowserView = z.object({
  id: z.string(),
  browser: z.string(),
  first_seen_at: z.number(),
  last_seen_at: z.number(),
  current: z.boolean(),
});
export type KnownBrowserView = z.infer<typeof KnownBrowserView>;
export const KnownBrowsersAnswer = z.object({ browsers: z.array(KnownBrowserView) });

/** The words typed to confirm deleting the account. */
export const DELETE_ACCOUNT_PHRASE = "delete my account";

/** browser → API: DELETE /api/account. Everything of the user goes: D1 rows, the relay's storage, paired agents. */
export const DeleteAccountRequest = z.object({
  current_password: CurrentPassword,
  confirm: z.string().refine((text) => text.trim().toLowerCase() === DELETE_ACCOUNT_PHRASE, { error: `Type “${DELETE_ACCOUNT_PHRASE}” to confirm.` }),
});
export type DeleteAccountRequest = z.infer<typeof DeleteAccountRequest>;
