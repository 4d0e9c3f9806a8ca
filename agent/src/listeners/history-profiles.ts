import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/** The browsers whose profiles are found on their own; any other Chromium or Firefox build can be named by path. */
export const BROWSERS = ["chrome", "chromium", "firefox"] as const;
export type Browser = (typeof BROWSERS)[number];

/** One browser profile's history database. */
export type HistoryProfile = {
  /** As the user knows it, and as activity names it: "Chrome", "Chromium", "Firefox" (or "Edge", "Brave" by path). */
  application: string;
  /** The profile's folder name: "Default", "Profile 1", "abcd1234.default-release". */
  profile: string;
  /** The live database file (`History` or `places.sqlite`). It is only ever copied, never opened. */
  path: string;
};

export type ProfileSearch = {
  browsers: readonly Browser[];
  /** Extra history files, or profile folders holding one; `~` is the home folder. */
  explicit: readonly string[];
  home: string;
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
};

const LABELS: Record<Browser, string> = { chrome: "Chrome", chromium: "Chromium", firefox: "Firefox" };
const HISTORY_FILE: Record<Browser, string> = { chrome: "History", chromium: "History", firefox: "places.sqlite" };
/** Chromium's own profiles that hold no browsing of the user's. */
const SKIPPED_PROFILES = new Set(["System Profile", "Guest Profile"]);

/** The folders where each browser keeps its profiles on this platform (they need not exist). */
export function profileRoots(browser: Browser, home: string, platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  if (platform === "darwin") {
    const support = join(home, "Library", "Application Support");
    return { chrome: [join(support, "Google", "Chrome")], chromium: [join(support, "Chromium")], firefox: [join(support, "Firefox", "Profiles")] }[browser];
  }
  if (platform === "win32") {
    const local = env.LOCALAPPDATA ?? join(home, "AppData", "Local");
    const roaming = env.APPDATA ?? join(home, "AppData", "Roaming");
    return {
      chrome: [join(local, "Google", "Chrome", "User Data")],
      chromium: [join(local, "Chromium", "User Data")],
      firefox: [join(roaming, "Mozilla", "Firefox", "Profiles")],
    }[browser];
  }
  const config = env.XDG_CONFIG_HOME || join(home, ".config");
  return {
    chrome: [join(config, "google-chrome")],
    chromium: [join(config, "chromium"), join(home, "snap", "chromium", "common", "chromium")],
    firefox: [
      join(home, ".mozilla", "firefox"),
      join(home, "snap", "firefox", "common", ".mozilla", "firefox"),
      join(home, ".var", "app", "org.mozilla.firefox", ".mozilla", "firefox"),
    ],
  }[browser];
}

/**
 * Every history database of the chosen browsers, plus the explicit ones, each once. A profile is a sub-folder
 * of a browser's root that holds its history file; explicit paths are kept even when missing, so the listener
 * can say so.
 */
export function findProfiles(search: ProfileSearch): HistoryProfile[] {
  const platform = search.platform ?? process.platform;
  const env = search.env ?? process.env;
  const found = new Map<string, HistoryProfile>();
  for (const browser of search.browsers) {
    for (const root of profileRoots(browser, search.home, platform, env)) {
      for (const profile of subfolders(root)) {
        const path = join(root, profile, HISTORY_FILE[browser]);
        if (!SKIPPED_PROFILES.has(profile) && isFile(path)) found.set(resolve(path), { application: LABELS[browser], profile, path });
      }
    }
  }
  for (const entry of search.explicit) {
    const profile = explicitProfile(expandHome(entry, search.home));
    if (!found.has(resolve(profile.path))) found.set(resolve(profile.path), profile);
  }
  return [...found.values()];
}

/** A configured path: a history file, or a folder holding `History` or `places.sqlite`. */
function explicitProfile(path: string): HistoryProfile {
  const inside = ["places.sqlite", "History"].map((name) => join(path, name)).find(isFile);
  const file = inside ?? path;
  const folder = dirname(file);
  return { application: applicationOf(file), profile: basename(folder), path: file };
}

/** The browser a history file belongs to, read from its name and folders. */
function applicationOf(file: string): string {
  const lower = file.toLowerCase();
  if (basename(lower) === "places.sqlite" || /firefox|mozilla|librewolf|waterfox/.test(lower)) return "Firefox";
  if (/microsoft[\\/. -]?edge/.test(lower)) return "Edge";
  if (/brave/.test(lower)) return "Brave";
  if (/vivaldi/.test(lower)) return "Vivaldi";
  if (/chromium/.test(lower)) return "Chromium";
  return "Chrome";
}

/** `~/x` → the home folder's x. */
export function expandHome(path: string, home: string): string {
  return path === "~" ? home : path.startsWith("~/") || path.startsWith("~\\") ? join(home, path.slice(2)) : path;
}

function subfolders(root: string): string[] {
  if (!existsSync(root)) return [];
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return []; // unreadable: as if absent
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
