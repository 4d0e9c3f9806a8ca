import { describe, expect, it } from "vitest";
import { ACTION_PAGE_HEADERS, ACTION_PAGE_STYLE, ACTION_PAGE_STYLE_HASH, actionPage, actionPageResponse } from "./action-page.ts";
import type { ActionPageRefusal } from "./action-page.ts";

const hostile = `<script>alert("x")</script> & 'quotes'`;

describe("action pages", () => {
  it("the confirmation page asks first: a POST form with one button, and the notification, escaped", () => {
    const html = actionPage({ kind: "confirm", action: "approve", title: hostile, body: "Read ~/Documents/<taxes>", token: "t0k.en" });
    expect(html).toContain("<h1>Approve this request?</h1>");
    expect(html).toContain('<form method="post" action="/api/actions/confirm"><input type="hidden" name="token" value="t0k.en"><button type="submit">Approve</button></form>');
    expect(html).toContain("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;quotes&#39;");
    expect(html).toContain("Read ~/Documents/&#60;taxes&#62;");
    expect(html).not.toContain("<script");
    expect(actionPage({ kind: "confirm", action: "deny", title: "t", token: "t" })).toContain('<button type="submit" class="deny">Deny</button>');
  });

  it("the done page says what happened", () => {
    const html = actionPage({ kind: "done", action: "deny", title: "Allow files.read?", detail: "The agent was told no." });
    expect(html).toContain("<h1>Denied</h1>");
    expect(html).toContain("The agent was told no.");
    expect(html).not.toContain("<form");
  });

  it("the refused page says why, with a status to match", async () => {
    const cases: [ActionPageRefusal, string, number][] = [
      ["used", "This link was used already.", 409],
      ["expired", "This link has expired.", 410],
      ["tampered", "it was changed after Hearth sent it", 400],
      ["malformed", "it may have been cut short", 400],
      ["unknown", "This link is not valid any more.", 400],
      ["outdated", "This link is from an older Hearth", 400],
    ];
    for (const [reason, text, status] of cases) {
      const response = actionPageResponse({ kind: "refused", reason });
      expect(response.status).toBe(status);
      const html = await response.text();
      expect(html).toContain("<h1>This link can&#39;t be used</h1>");
      expect(html).toContain(text);
    }
  });

  it("is self-contained: no scripts, no outside assets, and a CSP that allows only its own stylesheet", async () => {
    const html = actionPage({ kind: "confirm", action: "retry", title: "Run “backup” again?", token: "t" });
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|url\(/i);
    expect(html).toContain(`<style>${ACTION_PAGE_STYLE}</style>`);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(ACTION_PAGE_STYLE)));
    expect(ACTION_PAGE_STYLE_HASH).toBe(`sha256-${btoa(String.fromCharCode(...digest))}`);
    const response = actionPageResponse({ kind: "confirm", action: "retry", title: "t", token: "t" });
    expect(Object.fromEntries(response.headers)).toMatchObject(ACTION_PAGE_HEADERS);
    expect(response.headers.get("content-security-policy")).toBe(
      `default-src 'none'; style-src '${ACTION_PAGE_STYLE_HASH}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    );
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  });
});
