import { WebAuthnError, startAuthentication, startRegistration } from "@simplewebauthn/browser";
import { z } from "zod";
import { LoginResponse, PasskeyCreationOptions, PasskeyRequestOptions, PasskeyTransports, PasskeyView, RecoveryCodesResponse, SecurityView, TotpSetupResponse } from "#protocol";
import type { StepUpMinutes } from "#protocol";
import { ApiFailure, api, call, callParsed } from "#lib/shared/api.ts";

// Second factors from the browser: the settings page's calls, the second sign-in step, step-up, and the passkey
// ceremonies (@simplewebauthn/browser talks to the authenticator; the server checks every answer).

const OnePasskey = z.object({ passkey: PasskeyView });
const Proved = z.object({ proved_at: z.number() });

/** Runs a passkey prompt; a closed or refused prompt becomes a failure that says so, like any other. */
async function ceremony<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ApiFailure) throw error;
    const cancelled = error instanceof WebAuthnError ? error.code === "ERROR_CEREMONY_ABORTED" : error instanceof Error && error.name === "NotAllowedError";
    throw new ApiFailure(0, "invalid_credentials", cancelled ? "The passkey prompt was closed before it finished. Try again." : "This browser couldn't use a passkey here. Try again, or use another way.");
  }
}

export const factors = {
  security: () => callParsed(api.auth.security.$get(), SecurityView),
  saveSecurity: (body: { require_second_factor?: boolean; step_up_minutes?: StepUpMinutes }) => callParsed(api.auth.security.$put({ json: body }), SecurityView),
  totpSetup: () => callParsed(api.auth.totp.setup.$post(), TotpSetupResponse),
  totpConfirm: (code: string) => callParsed(api.auth.totp.confirm.$post({ json: { code } }), RecoveryCodesResponse),
  totpRemove: () => callParsed(api.auth.totp.$delete(), SecurityView),
  newRecoveryCodes: () => callParsed(api.auth["recovery-codes"].$post(), RecoveryCodesResponse),

  /** Makes a passkey on this device (the browser asks the user) and adds it under `name`. */
  addPasskey: (name: string) =>
    ceremony(async () => {
      const optionsJSON = await callParsed(api.auth.passkeys.register.options.$post(), PasskeyCreationOptions);
      const made = await startRegistration({ optionsJSON });
      // A transport newer than this list is left out rather than refused: it only helps the browser find the key.
      const credential = { ...made, response: { ...made.response, transports: PasskeyTransports.parse(made.response.transports ?? []) } };
      return (await callParsed(api.auth.passkeys.$post({ json: { name, credential } }), OnePasskey)).passkey;
    }),
  renamePasskey: async (id: string, name: string) => (await callParsed(api.auth.passkeys[":id"].$patch({ param: { id }, json: { name } }), OnePasskey)).passkey,
  removePasskey: (id: string) => call(api.auth.passkeys[":id"].$delete({ param: { id } })),

  /** Proves it's the user, for a step-up. */
  stepUp: (body: { method: "totp"; code: string } | { method: "password"; password: string }) => callParsed(api.auth["step-up"].$post({ json: body }), Proved),
  stepUpWithPasskey: () =>
    ceremony(async () => {
      const optionsJSON = await callParsed(api.auth.passkeys["step-up"].options.$post(), PasskeyRequestOptions);
      const credential = await startAuthentication({ optionsJSON });
      return callParsed(api.auth["step-up"].$post({ json: { method: "passkey", credential } }), Proved);
    }),

  /** The second sign-in step with a code (authenticator or recovery). */
  secondFactor: (body: { token: string; method: "totp" | "recovery"; code: string }) => callParsed(api.auth.login["second-factor"].$post({ json: body }), LoginResponse),
  /** Signs in with a passkey: alone (no token), or as the second step of a pending sign-in. */
  passkeySignIn: (token?: string) =>
    ceremony(async () => {
      const body = token === undefined ? {} : { token };
      const optionsJSON = await callParsed(api.auth.passkeys["sign-in"].options.$post({ json: body }), PasskeyRequestOptions);
      const credential = await startAuthentication({ optionsJSON });
      return callParsed(api.auth.passkeys["sign-in"].$post({ json: { ...body, credential } }), LoginResponse);
    }),
};
