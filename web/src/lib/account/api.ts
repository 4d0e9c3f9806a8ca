import { z } from "zod";
import { ChangeEmailResponse, KnownBrowsersAnswer, SessionsAnswer } from "#protocol";
import type { ChangeEmailRequest, ChangePasswordRequest, DeleteAccountRequest } from "#protocol";
import { ApiFailure, api, call, callParsed, failureOf, noticeSignOut } from "#lib/shared/api.ts";

// Settings → Account and "Your data".

const Ended = z.object({ ended: z.number() });
const Ok = z.object({ ok: z.literal(true) });

export const accountApi = {
  sessions: async () => (await callParsed(api.account.sessions.$get(), SessionsAnswer)).sessions,
  endSession: (id: string) => callParsed(api.account.sessions[":id"].$delete({ param: { id } }), Ended),
  endOtherSessions: () => callParsed(api.account.sessions.$delete(), Ended),
  browsers: async () => (await callParsed(api.account.browsers.$get(), KnownBrowsersAnswer)).browsers,
  forgetBrowser: (id: string) => callParsed(api.account.browsers[":id"].$delete({ param: { id } }), Ok),
  changePassword: (body: ChangePasswordRequest) => call(api.account.password.$post({ json: body })),
  changeEmail: (body: ChangeEmailRequest) => callParsed(api.account.email.$post({ json: body }), ChangeEmailResponse),
  confirmEmail: (token: string) => call(api.account.email.confirm.$post({ json: { token } })),
  deleteAccount: (body: DeleteAccountRequest) => callParsed(api.account.$delete({ json: body }), Ok),
};

/**
 * Downloads the archive, reporting the bytes received so far and the total (when the server sends its length),
 * and returns it as a Blob to save.
 */
export async function downloadExport(onProgress: (received: number, total: number | null) => void): Promise<Blob> {
  let response: Response;
  try {
    response = await fetch("/api/account/export", { credentials: "same-origin" });
  } catch {
    throw new ApiFailure(0, "network", "Can't reach Hearth. Check your connection and try again.");
  }
  if (!response.ok || !response.body) {
    const failure = await failureOf(response);
    noticeSignOut(failure);
    throw failure;
  }
  const total = Number(response.headers.get("content-length")) || null;
  const reader = response.body.getReader();
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.byteLength;
    onProgress(received, total);
  }
  return new Blob(chunks, { type: "application/zip" });
}
