import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ActivityEvent } from "#protocol";
import type { AgentFrame } from "#protocol";
import { agentHome } from "../../test/agent-home.ts";
import { chromiumHistory, firefoxPlaces } from "../../test/browser-history.ts";
import { FakeRelay } from "../../test/fake-relay.ts";
import { loadConfig } from "../home/config.ts";
import { loadCredentials } from "../home/credentials.ts";
import { silentLogger } from "../log.ts";
import { startAgent } from "../runtime/agent.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const isActivity = (frame: AgentFrame): frame is Extract<AgentFrame, { type: "activity" }> => frame.type === "activity";

describe("job applications in a running agent", () => {
  it("sends what the browsers' history shows, except from an application the user disabled", async () => {
    const relay = await FakeRelay.start();
    cleanups.push(() => relay.close());
    const { home, paths } = await agentHome(relay.url, undefined, {
      listeners: { history: { enabled: true } },
      privacy: { disabled_applications: ["firefox"] },
    });
    const chromeDir = join(home, ".config", "google-chrome", "Default");
    const firefoxDir = join(home, ".mozilla", "firefox", "x.default-release");
    mkdirSync(chromeDir, { recursive: true });
    mkdirSync(firefoxDir, { recursive: true });
    const recently = Date.now() - 3_600_000;
    const chrome = chromiumHistory(join(chromeDir, "History"), "chromium_history_v70.sql", [
      { url: "https://jobs.lever.co/acme/0f5c2d4e-8b1a-4c3d-9e2f-7a6b5c4d3e2f/thanks", title: "Acme - Designer", at: recently },
    ]);
    const firefox = firefoxPlaces(join(firefoxDir, "places.sqlite"), "firefox_places_schema_gecko_current.sql", [
      { url: "https://boards.greenhouse.io/globex/jobs/77/confirmation", title: "Job Application for Engineer at Globex", at: recently },
    ]);
    cleanups.push(() => {
      chrome.db.close();
      firefox.db.close();
    });

    const credentials = loadCredentials(paths.credentials);
    if (!credentials) throw new Error("no credentials");
    const agent = await startAgent({ paths, credentials, config: loadConfig(paths.config).config, log: silentLogger, options: { shutdownGrace: 1_000 }, home });
    cleanups.push(() => agent.stop());

    const activity = await relay.waitFor(isActivity);
    expect(activity.events).toMatchObject([{ activity_type: "job", application: "Chrome", details: { company: "Acme", role: "Designer", status: "applied" } }]);
    await relay.until(() => agent.outbox.size() === 0); // acked
    expect(relay.frames.filter(isActivity).flatMap((frame) => frame.events.map((event) => ActivityEvent.parse(event).application))).toEqual(["Chrome"]);
  });
});
