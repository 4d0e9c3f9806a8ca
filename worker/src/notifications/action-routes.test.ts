import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { NotificationView } from "#protocol";
import { ORIGIN, TestClient } from "../../../test/client.ts";
import { connectAgent, userWithDevice } from "../../../test/sockets.ts";
import { codeFor, enrolTotp } from "../../../test/totp.ts";
import { app } from "../app.ts";
import { ACTION_LINK_TTL_MS, actionLinkUrl, actionToken, actionTokenState, issueActionToken } from "../../../core/src/notifications/webhooks/index.ts";
import { ACTION_OPENER_SCRIPT, ACTION_OPENER_SCRIPT_HASH } from "../../../core/src/notifications/webhooks/action-page.ts";
import type { LinkAction } from "../../../core/src/notifications/webhooks/index.ts";

// A webhook's approve / deny links through the real worker, relay and D1, opened by someone who is not signed
// in: viewing only asks, confirming acts once; a used, expired, altered or unknown link gets a page that says so.

const SECRET = z.object({ ACTION_LINK_SECRET: z.string().min(32) }).parse(env).ACTION_LINK_SECRET;

/** A stranger's browser: no session cookie, same-origin form posts (what the opener and confirmation pages send). */
const browser = new TestClient();
const post = (path: string, token: string, headers: Record<string, string> = {}, fields: Record<string, string> = {}) =>
  browser.request("POST", path, { headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams({ token, ...fields }).toString() });
/** What the page at `/api/actions#<token>` does with the fragment: shows what the button will do. */
const open = (token: string) => post("/api/actions/view", token);
/** The confirmation page's button, with the page's other fields (the authenticator code). */
const press = (token: string, headers: Record<string, string> = {}, fields: Record<string, string> = {}) => post("/api/actions/confirm", token, headers, fields);
/** Presses Approve with the code the user's authenticator app shows (`steps` from now: each step's code works once). */
const approveWith = (token: string, secret: string, steps = 0) => press(token, {}, { code: codeFor(secret, steps) });

/**
 * A signed-in user whose agent is waiting for permission to write a file, and the notification that asks. The user
 * has an authenticator app (`secret`), so the write can be approved from a link with a code; `totp: false` leaves it out.
 */
async function waitingForPermission({ totp = true } = {}) {
  const { client, token, deviceId } = await userWithDevice();
  const secret = totp ? (await enrolTotp(client)).secret : "";
  const { socket: agent } = await connectAgent(token, deviceId);
  const response = await client.request("POST", "/api/commands", {
    json: { device_id: deviceId, command: { target: "filesystem", action: "write", parameters: { path: "~/notes.txt", content: "hi" } } },
  });
  const { command }: { command: { id: string; status: string } } = await response.json();
  expect(command.status).toBe("awaiting_permission");
  const page: { notifications: NotificationView[] } = await (await client.request("GET", "/api/notifications")).json();
  const notification = page.notifications.find((n) => n.kind === "permission_requested");
  if (!notification) throw new Error("no permission notification");
  const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
  const link = (action: LinkAction, expiresAt = Date.now() + ACTION_LINK_TTL_MS) =>
    issueActionToken(env.DB, { userId: me.user.id, notificationId: notification.id, action, expiresAt }, SECRET);
  return { client, agent, commandId: command.id, notification, userId: me.user.id, link, secret };
}

const encode = (value: unknown) => btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const decode = (part: string): unknown => JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));

describe("action links", () => {
  it("a link keeps its token in the fragment: the page it opens reads it with a script its policy allows by hash", async () => {
    const page = await browser.request("GET", "/api/actions");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain(`script-src '${ACTION_OPENER_SCRIPT_HASH}'`);
    expect(page.headers.get("referrer-policy")).toBe("same-origin");
    const html = await page.text();
    expect(html).toContain(`<script>${ACTION_OPENER_SCRIPT}</script>`);
    expect(html).toContain('<form id="open" method="post" action="/api/actions/view">');
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(ACTION_OPENER_SCRIPT)));
    expect(ACTION_OPENER_SCRIPT_HASH).toBe(`sha256-${btoa(String.fromCharCode(...digest))}`);
    expect(actionLinkUrl("https://hearth.example", "abc.def")).toBe("https://hearth.example/api/actions#abc.def");
  });

  it("refuses the old form with the token in the path, and leaves that link unspent", async () => {
    const { agent, link } = await waitingForPermission();
    const token = await link("approve");
    for (const method of ["GET", "POST"]) {
      const old = await browser.request(method, `/api/actions/${token}`, { headers: { "content-type": "application/x-www-form-urlencoded" }, body: method === "POST" ? "" : undefined });
      expect(old.status).toBe(400);
      expect(await old.text()).toContain("This link is from an older Hearth and no longer works.");
    }
    const claims = z.object({ jti: z.string() }).parse(decode(token.split(".")[0] ?? ""));
    expect(await actionTokenState(env.DB, claims.jti, Date.now())).toBe("usable");
    agent.close();
  });

  it("viewing asks and spends nothing; confirming approves once, without a sign-in; the link is then refused as used", async () => {
    const { agent, commandId, link, secret } = await waitingForPermission();
    const token = await link("approve");

    const confirm = await open(token);
    expect(confirm.status).toBe(200);
    expect(confirm.headers.get("content-type")).toMatch(/^text\/html/);
    expect(confirm.headers.get("cache-control")).toBe("no-store");
    expect(confirm.headers.get("content-security-policy")).toContain("default-src 'none'");
    // The form posts the token on; "same-origin" lets the browser send our Origin with it (not `null`).
    expect(confirm.headers.get("referrer-policy")).toBe("same-origin");
    const html = await confirm.text();
    expect(html).toContain("Approve this request?");
    expect(html).toContain("Permission needed: filesystem.write");
    expect(html).toContain(`<form method="post" action="/api/actions/confirm"><input type="hidden" name="token" value="${token}">`);
    expect(html).toContain('name="code"'); // a write: the page asks for the authenticator code
    expect((await open(token)).status).toBe(200); // a mail scanner opening it twice changes nothing

    // No code, or a wrong one: asked again, and the link is not spent.
    for (const fields of [{}, { code: "000000" }] as Record<string, string>[]) {
      const unconfirmed = await press(token, {}, fields);
      expect(unconfirmed.status).toBe(401);
      expect(await unconfirmed.text()).toContain('role="alert"');
    }
    expect(agent.frames.some((f) => f.type === "command")).toBe(false);

    const done = await approveWith(token, secret);
    expect(done.status).toBe(200);
    const doneHtml = await done.text();
    expect(doneHtml).toContain("<h1>Approved</h1>");
    expect(doneHtml).toContain("Allowed once: filesystem.write.");
    expect((await agent.next("command")).id).toBe(commandId);

    for (const again of [await press(token), await open(token)]) {
      expect(again.status).toBe(409);
      expect(await again.text()).toContain("This link was used already");
    }
    agent.close();
  });

  it("a link for a request already answered in the app is spent, and its page says why", async () => {
    const { client, agent, notification, link } = await waitingForPermission();
    const token = await link("approve");
    expect((await client.request("POST", `/api/notifications/${notification.id}/actions/deny`)).status).toBe(200);

    const late = await press(token);
    expect(late.status).toBe(409);
    const html = await late.text();
    expect(html).toContain("<h1>Already answered</h1>");
    expect(html).toContain("Denied: filesystem.write.");
    expect(html).not.toContain("<form");
    expect((await press(token)).status).toBe(409);
    agent.close();
  });

  it("a sibling link (Deny after Approve) shows the outcome on GET, with no button, and never acts", async () => {
    const { client, agent, commandId, link, secret } = await waitingForPermission();
    const approve = await link("approve");
    const deny = await link("deny");
    expect((await approveWith(approve, secret)).status).toBe(200);
    expect((await agent.next("command")).id).toBe(commandId);

    for (const response of [await open(deny), await press(deny)]) {
      expect(response.status).toBe(409);
      const html = await response.text();
      expect(html).toContain("<h1>Already answered</h1>");
      expect(html).toContain("Allowed once: filesystem.write.");
      expect(html).not.toContain("<form");
    }
    const command: { command: { status: string } } = await (await client.request("GET", `/api/commands/${commandId}`)).json();
    expect(command.command.status).not.toBe("failed");
    agent.close();
  });

  it("refuses an expired link with 410, and spends nothing", async () => {
    const { agent, link } = await waitingForPermission();
    const token = await link("approve", Date.now() - 1);
    for (const response of [await open(token), await press(token)]) {
      expect(response.status).toBe(410);
      expect(await response.text()).toContain("This link has expired");
    }
    agent.close();
  });

  it("refuses an altered, truncated or unknown link with 400; a valid one still works afterwards", async () => {
    const { client, agent, commandId, userId, notification, link } = await waitingForPermission();
    const token = await link("deny");
    const [body = "", signature = ""] = token.split(".");
    const claims = z.record(z.string(), z.unknown()).parse(decode(body));

    // approve swapped in for deny, keeping the signature; a flipped signature character.
    const swapped = `${encode({ ...claims, action: "approve" })}.${signature}`;
    const flipped = `${body}.${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`;
    for (const altered of [swapped, flipped]) {
      for (const response of [await open(altered), await press(altered)]) {
        expect(response.status).toBe(400);
        expect(await response.text()).toContain("it was changed after Hearth sent it");
      }
    }
    const cut = await press(token.slice(0, 30));
    expect(cut.status).toBe(400);
    expect(await cut.text()).toContain("cut short");
    // Signed with our secret, but never issued (no row): not a link Hearth sent.
    const forged = await actionToken({ jti: crypto.randomUUID(), userId, notificationId: notification.id, action: "approve", expiresAt: Date.now() + 60_000 }, SECRET);
    const unknown = await press(forged);
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("This link is not valid any more");

    // None of that touched the real link, nor let the command through.
    const denied = await press(token);
    expect(denied.status).toBe(200);
    expect(await denied.text()).toContain("Denied: filesystem.write.");
    const command: { command: { status: string; error: { code: string } | null } } = await (await client.request("GET", `/api/commands/${commandId}`)).json();
    expect(command.command).toMatchObject({ status: "failed", error: { code: "denied_by_user" } });
    expect(agent.frames.some((f) => f.type === "command" && f.id === commandId)).toBe(false);
    agent.close();
  });

  it("an approval with effects for an account with no authenticator app is sent to the app, and the link stays unspent", async () => {
    const { agent, commandId, link } = await waitingForPermission({ totp: false });
    const token = await link("approve");
    for (const response of [await open(token), await press(token)]) {
      expect(response.status).toBe(403);
      expect(await response.text()).toContain("Open Hearth and approve it there");
    }
    expect(agent.frames.some((f) => f.type === "command" && f.id === commandId)).toBe(false);
    const claims = z.object({ jti: z.string() }).parse(decode(token.split(".")[0] ?? ""));
    expect(await actionTokenState(env.DB, claims.jti, Date.now())).toBe("usable");
    agent.close();
  });

  it("a POST from another site is still refused by the same-origin guard, and does not spend the link", async () => {
    const { agent, link } = await waitingForPermission();
    const token = await link("approve");
    const foreign = await press(token, { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect((await foreign.json<{ error: { code: string } }>()).error.code).toBe("forbidden_origin");
    const nullOrigin = await press(token, { origin: "null" });
    expect(nullOrigin.status).toBe(403);
    const claims = z.object({ jti: z.string() }).parse(decode(token.split(".")[0] ?? ""));
    expect(await actionTokenState(env.DB, claims.jti, Date.now())).toBe("usable");
    agent.close();
  });

  it("without ACTION_LINK_SECRET every link is refused as not valid", async () => {
    const { agent, link } = await waitingForPermission();
    const token = await link("approve");
    const withoutSecret = { ...env, ACTION_LINK_SECRET: undefined };
    const response = await app.request(
      `${ORIGIN}/api/actions/view`,
      { method: "POST", headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token }).toString() },
      withoutSecret,
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("This link is not valid any more");
    agent.close();
  });
});
