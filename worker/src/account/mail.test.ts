import { describe, expect, inject, it, vi } from "vitest";
import type { ReceivedDelivery } from "../../../test/webhook-receiver.ts";
import { sendMail } from "./mail.ts";

// Account mail goes to MAIL_WEBHOOK_URL as JSON in production, and to the log without it. The receiver here is
// the webhook test server on loopback; it records every request and refuses unsigned ones with 401.

const receiver = inject("webhookReceiverUrl");
const MAIL = { to: "ada@example.com", subject: "Confirm your new Hearth email address", text: "Open https://hearth.test/confirm-email#abc" };

describe("account mail", () => {
  it("POSTs {to, subject, text} to MAIL_WEBHOOK_URL, and a refusal there is an error the caller sees", async () => {
    const channel = `mail-${crypto.randomUUID()}`;
    await fetch(`${receiver}/__script/${channel}`, { method: "POST", body: JSON.stringify({ secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }) });
    await expect(sendMail({ MAIL_WEBHOOK_URL: `${receiver}/hooks/${channel}`, MAIL_WEBHOOK_TOKEN: "mail-token" }, MAIL)).rejects.toThrow(/HTTP 401/);
    const { requests }: { requests: ReceivedDelivery[] } = await (await fetch(`${receiver}/__received/${channel}`)).json();
    expect(requests).toHaveLength(1);
    expect(requests[0]?.contentType).toBe("application/json");
    expect(JSON.parse(requests[0]?.body ?? "null")).toEqual(MAIL);
  });

  it("only logs the message when no MAIL_WEBHOOK_URL is set (local development)", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await sendMail({}, MAIL);
    expect(log).toHaveBeenCalledWith(expect.stringContaining("https://hearth.test/confirm-email#abc"));
    log.mockRestore();
  });
});
