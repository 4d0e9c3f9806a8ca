import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ActivityEvent } from "#protocol";
import { chromiumHistory, firefoxPlaces } from "../../test/browser-history.ts";
import { tempDir } from "../../test/temp.ts";
import { AgentConfig } from "../home/config.ts";
import { silentLogger } from "../log.ts";
import { openStateDb } from "../store/db.ts";
import { historyListenerFromConfig } from "./history.ts";
import { findProfiles, profileRoots } from "./history-profiles.ts";

/** Makes an empty file (and its folders) under `home`. */
function touch(home: string, ...parts: string[]): string {
  const path = join(home, ...parts);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, "");
  return path;
}

describe("finding browser profiles", () => {
  it("finds every Chrome, Chromium and Firefox profile on Linux, and skips Chrome's own", async () => {
    const home = await tempDir();
    touch(home, ".config", "google-chrome", "Default", "History");
    touch(home, ".config", "google-chrome", "Profile 2", "History");
    touch(home, ".config", "google-chrome", "System Profile", "History");
    touch(home, ".config", "google-chrome", "Crashpad", "settings.dat");
    touch(home, "snap", "chromium", "common", "chromium", "Default", "History");
    touch(home, ".mozilla", "firefox", "abcd1234.default-release", "places.sqlite");
    touch(home, ".mozilla", "firefox", "Crash Reports", "events");
    const found = findProfiles({ browsers: ["chrome", "chromium", "firefox"], explicit: [], home, platform: "linux", env: {} });
    expect(found.map((p) => `${p.application}/${p.profile}`)).toEqual(["Chrome/Default", "Chrome/Profile 2", "Chromium/Default", "Firefox/abcd1234.default-release"]);
    expect(found[0]?.path).toBe(join(home, ".config", "google-chrome", "Default", "History"));
    expect(findProfiles({ browsers: ["firefox"], explicit: [], home, platform: "linux", env: {} }).map((p) => p.application)).toEqual(["Firefox"]);
  });

  it("adds configured files and profile folders once each, and keeps a missing one so it can be reported", async () => {
    const home = await tempDir();
    const chrome = touch(home, ".config", "google-chrome", "Default", "History");
    touch(home, "portable", "BraveSoftware", "Default", "History");
    touch(home, "backup", "old.default", "places.sqlite");
    const found = findProfiles({
      browsers: ["chrome"],
      explicit: [chrome, "~/portable/BraveSoftware/Default", "~/backup/old.default", "~/nowhere/History"],
      home,
      platform: "linux",
      env: {},
    });
    expect(found.map((p) => [p.application, p.profile, p.path.slice(home.length)])).toEqual([
      ["Chrome", "Default", "/.config/google-chrome/Default/History"],
      ["Brave", "Default", "/portable/BraveSoftware/Default/History"],
      ["Firefox", "old.default", "/backup/old.default/places.sqlite"],
      ["Chrome", "nowhere", "/nowhere/History"],
    ]);
  });

  it("knows where each browser keeps its profiles on macOS and Windows", () => {
    expect(profileRoots("chrome", "/Users/me", "darwin", {})).toEqual(["/Users/me/Library/Application Support/Google/Chrome"]);
    expect(profileRoots("firefox", "/Users/me", "darwin", {})).toEqual(["/Users/me/Library/Application Support/Firefox/Profiles"]);
    const env = { LOCALAPPDATA: "C:/Users/me/AppData/Local", APPDATA: "C:/Users/me/AppData/Roaming" };
    expect(profileRoots("chrome", "C:/Users/me", "win32", env)).toEqual([join("C:/Users/me/AppData/Local", "Google", "Chrome", "User Data")]);
    expect(profileRoots("chromium", "C:/Users/me", "win32", env)).toEqual([join("C:/Users/me/AppData/Local", "Chromium", "User Data")]);
    expect(profileRoots("firefox", "C:/Users/me", "win32", env)).toEqual([join("C:/Users/me/AppData/Roaming", "Mozilla", "Firefox", "Profiles")]);
    expect(profileRoots("chrome", "/home/me", "linux", { XDG_CONFIG_HOME: "/cfg" })).toEqual(["/cfg/google-chrome"]);
  });
});

describe("the history listener from config.json", () => {
  const configOf = (history: unknown) => AgentConfig.parse({ listeners: { history } }).listeners.history;

  it("is off by default, for every browser, every 5 minutes when on", () => {
    expect(AgentConfig.parse({}).listeners.history).toEqual({ enabled: false, browsers: ["chrome", "chromium", "firefox"], profiles: [], interval_minutes: 5 });
    expect(AgentConfig.parse({}).privacy.retention_days).toBe(365);
    expect(AgentConfig.safeParse({ listeners: { history: { browsers: ["safari"] } } }).success).toBe(false);
  });

  it("records nothing when disabled, even with applications in the history", async () => {
    const home = await tempDir();
    const live = chromiumHistory(touch(home, ".config", "google-chrome", "Default", "History"), "chromium_history_v70.sql", [
      { url: "https://jobs.lever.co/acme/0f5c2d4e-8b1a-4c3d-9e2f-7a6b5c4d3e2f/thanks", title: "Acme - Designer", at: Date.now() - 60_000 },
    ]);
    const recorded: ActivityEvent[] = [];
    const deps = { home, platform: "linux" as const, env: {}, db: openStateDb(join(home, "state.db")), log: silentLogger, record: (events: ActivityEvent[]) => void recorded.push(...events), lookbackMs: 86_400_000 };
    expect(historyListenerFromConfig(configOf({ enabled: false }), deps)).toBeNull();

    const on = historyListenerFromConfig(configOf({ enabled: true, browsers: ["chrome", "firefox"] }), deps);
    expect(on?.scan()).toBe(1);
    expect(recorded).toMatchObject([{ application: "Chrome", details: { company: "Acme", role: "Designer", status: "applied" } }]);

    // Firefox installed later is picked up at the next scan, with no restart.
    const firefox = firefoxPlaces(touch(home, ".mozilla", "firefox", "x.default", "places.sqlite"), "firefox_places_schema_gecko_current.sql", [
      { url: "https://apply.workable.com/hooli/j/5A1B2C3D4E/apply/", at: Date.now() - 30_000 },
    ]);
    expect(on?.scan()).toBe(1);
    expect(recorded[1]).toMatchObject({ application: "Firefox", details: { company: "Hooli" } });
    live.db.close();
    firefox.db.close();
  });
});
