import { describe, expect, it } from "vitest";
import type { NotificationView } from "#protocol";
import { PASSWORD, TestClient } from "../../../test/client.ts";
import { describeAgent } from "./describe-agent.ts";

// "Sign-in from a new device": a browser the account knows signs in quietly; any other is reported.

const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

async function newSignIns(client: TestClient): Promise<NotificationView[]> {
  const page: { notifications: NotificationView[] } = await (await client.request("GET", "/api/notifications?kind=new_sign_in")).json();
  return page.notifications;
}

describe("sign-ins from new browsers", () => {
  it("remembers the sign-up browser, stays quiet when it signs in again, and reports another one", async () => {
    const owner = new TestClient();
    const user = { email: `browsers-${crypto.randomUUID()}@example.com` };
    const register = await owner.request("POST", "/api/auth/register", { json: { email: user.email, password: PASSWORD } });
    const browserCookie = register.headers.getSetCookie().find((c) => c.startsWith("hearth_browser="))?.split(";")[0];
    expect(browserCookie).toMatch(/^hearth_browser=.{20,}/);

    // The same browser, signing in again (its session cookie gone, its browser cookie kept).
    const again = new TestClient();
    const quiet = await again.request("POST", "/api/auth/login", { json: { email: user.email, password: PASSWORD }, headers: { cookie: browserCookie ?? "" } });
    expect(quiet.status).toBe(200);

    // A browser the account has never seen.
    const stranger = new TestClient();
    expect((await stranger.request("POST", "/api/auth/login", { json: { email: user.email, password: PASSWORD }, headers: { "user-agent": FIREFOX } })).status).toBe(200);
    await expect.poll(async () => (await newSignIns(owner)).length).toBe(1);
    const [notice] = await newSignIns(owner);
    expect(notice).toMatchObject({ kind: "new_sign_in", priority: "high", title: "New sign-in to your account" });
    expect(notice?.body).toContain("Firefox on Linux");
    // Its advice leads to the list where that session can be signed out.
    expect(notice?.link).toBe("/settings#sessions");
  });

  it("names browsers in plain words", () => {
    expect(describeAgent(FIREFOX)).toBe("Firefox on Linux");
    expect(describeAgent("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1")).toBe("Safari on iOS");
    expect(describeAgent("curl/8.5.0")).toBe("a browser");
  });
});
