import { z } from "zod";

// Hearth assumes no mail server. With MAIL_WEBHOOK_URL set (production), each message is POSTed there as JSON
// `{to, subject, text}` (with `Authorization: Bearer MAIL_WEBHOOK_TOKEN` when that secret is set), for a small
// relay or a mail provider's HTTP API to send. Without it (local development) the message is written to the
// worker's log, where `npm start` shows it, so a confirmation link can be opened from the terminal.

const MailVars = z.object({
  MAIL_WEBHOOK_URL: z.url().optional().catch(undefined),
  MAIL_WEBHOOK_TOKEN: z.string().min(1).optional().catch(undefined),
});

export type Mail = { to: string; subject: string; text: string };

/** Sends one message (see above); throws when the mail hook refuses it, so the caller can say it was not sent. */
export async function sendMail(env: unknown, mail: Mail): Promise<void> {
  const vars = MailVars.safeParse(env);
  const url = vars.success ? vars.data.MAIL_WEBHOOK_URL : undefined;
  if (!url) {
    console.log(`mail (no MAIL_WEBHOOK_URL set, so it is only logged) to ${mail.to}: ${mail.subject}\n${mail.text}`);
    return;
  }
  const token = vars.success ? vars.data.MAIL_WEBHOOK_TOKEN : undefined;
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(mail),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`the mail hook answered HTTP ${response.status}`);
}
