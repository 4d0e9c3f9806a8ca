import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { Webhook } from "standardwebhooks";
import { pairAndStart } from "./paired-agent.ts";
import { registerNewUser } from "./register.ts";
import { codeFor, enrolTotpByApi } from "./totp.ts";

// A webhook end to end: the user adds an endpoint in Settings → Webhooks (a receiver on loopback that verifies
// every delivery with the standardwebhooks package), a command asks for permission, the receiver gets the
// request with its signed Approve link, the link is opened and confirmed without signing in, and the waiting
// command runs on the real agent. The test servers run with WEBHOOKS_ALLOW_PRIVATE, the local-dev setting.

type Delivery = { verified: boolean; body: { type: string; data: { notification?: { kind: string; actions: { id: string; url: string }[] } } } };

function startReceiver() {
  const deliveries: Delivery[] = [];
  let secret = "";
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString()));
    req.on("end", () => {
      let verified = false;
      try {
        new Webhook(secret).verify(raw, { "webhook-id": String(req.headers["webhook-id"]), "webhook-timestamp": String(req.headers["webhook-timestamp"]), "webhook-signature": String(req.headers["webhook-signature"]) });
        verified = true;
      } catch {
        verified = false;
      }
      deliveries.push({ verified, body: JSON.parse(raw) });
      res.writeHead(verified ? 200 : 401).end();
    });
  });
  return new Promise<{ url: string; deliveries: Delivery[]; setSecret: (s: string) => void; close: () => void }>((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/hearth`, deliveries, setSecret: (s) => (secret = s), close: () => server.close() });
    });
  });
}

test("a webhook receiver gets a permission request, approves it through the signed link, and the command runs", async ({ page, context, baseURL }) => {
  test.setTimeout(120_000);
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  const receiver = await startReceiver();
  await registerNewUser(page, "hooks");
  const { agent, deviceId } = await pairAndStart(page, baseURL, "Hook laptop");
  // Approving a write from a link asks for the code of the user's authenticator app.
  const totpSecret = await enrolTotpByApi(page, baseURL);
  try {
    // Settings → Webhooks: add the receiver; its secret is shown once.
    await page.goto("/settings/webhooks");
    const form = page.getByRole("form", { name: "Add a webhook" });
    await form.getByLabel("URL").fill(receiver.url);
    await form.getByRole("button", { name: "Add webhook" }).click();
    const secret = (await page.getByText(/^whsec_/).textContent())?.trim() ?? "";
    expect(secret).toMatch(/^whsec_/);
    receiver.setSecret(secret);
    await page.getByRole("button", { name: "I've saved it" }).click();
    await expect(page.getByText(/^whsec_/)).toHaveCount(0);

    // A write with no rule waits for permission; the receiver hears of it, signed.
    const target = join(agent.root, "from-webhook.txt");
    const answer = await page.request.post("/api/commands", {
      data: { device_id: deviceId, command: { target: "filesystem", action: "write", parameters: { path: target, content: "approved from afar" } } },
      headers: { origin: baseURL },
    });
    expect(answer.status()).toBe(202);
    await expect.poll(() => receiver.deliveries.filter((d) => d.body.data.notification?.kind === "permission_requested").length, { timeout: 20_000 }).toBe(1);
    const delivery = receiver.deliveries.find((d) => d.body.data.notification?.kind === "permission_requested");
    expect(delivery?.verified).toBe(true);
    const approve = delivery?.body.data.notification?.actions.find((a) => a.id === "approve")?.url ?? "";
    expect(approve).toContain("/api/actions#");

    // Opened on another device (no session): a confirmation page; confirming does it, once.
    const phone = await context.browser()?.newContext();
    if (!phone) throw new Error("no browser");
    const away = await phone.newPage();
    // The token rides in the link's fragment: no request the browser makes has it in its path or query.
    const token = new URL(approve).hash.slice(1);
    const requested: string[] = [];
    away.on("request", (request) => {
      const url = new URL(request.url());
      requested.push(`${url.pathname}${url.search}`);
    });
    await away.goto(approve);
    await expect(away.getByRole("heading", { name: "Approve this request?" })).toBeVisible();
    expect(away.url()).not.toContain(token);
    expect(existsSync(target)).toBe(false);
    await away.getByLabel("Code from your authenticator app").fill(codeFor(totpSecret, 0));
    await away.getByRole("button", { name: "Approve" }).click();
    await expect(away.getByRole("heading", { name: "Approved" })).toBeVisible();
    await expect.poll(() => existsSync(target) && readFileSync(target, "utf8"), { timeout: 20_000 }).toBe("approved from afar");

    // The same link again is refused, with a page that says why.
    await away.goto(approve);
    await expect(away.getByText("This link was used already.", { exact: false })).toBeVisible();
    // Its sibling, Deny, opened afterwards: the outcome, and no button to press.
    const deny = delivery?.body.data.notification?.actions.find((a) => a.id === "deny")?.url ?? "";
    expect(deny).toContain("/api/actions#");
    await away.goto(deny);
    await expect(away.getByRole("heading", { name: "Already answered" })).toBeVisible();
    await expect(away.getByText("Allowed once: filesystem.write.")).toBeVisible();
    await expect(away.getByRole("button")).toHaveCount(0);
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((line) => line.includes(token))).toEqual([]);
    await phone.close();
  } finally {
    agent.kill("SIGTERM");
    receiver.close();
  }
});
