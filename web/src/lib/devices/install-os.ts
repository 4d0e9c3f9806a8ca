// Which install line to show first: the one for the computer the user is on, since most people add the computer
// they are sitting at. The other systems stay one tab away.

/** The systems the install line exists for; Linux and macOS share the `curl … | sh` line. */
export const INSTALL_OSES = ["linux", "macos", "windows"] as const;
export type InstallOs = (typeof INSTALL_OSES)[number];

/** What the tabs say. */
export const OS_LABELS: Record<InstallOs, string> = { linux: "Linux", macos: "macOS", windows: "Windows" };

/** The pieces of `navigator` the guess reads (`userAgentData` exists in Chromium only). */
export type BrowserPlatform = { userAgent: string; platform?: string; userAgentData?: { platform: string } };

/**
 * The browser's system, from User-Agent Client Hints where there are some, else from the user agent string. A
 * phone or anything unknown gets Linux: nobody installs from a phone, and Linux is the line most servers need.
 * @example osOfBrowser(navigator) // "macos" on a Mac
 */
export function osOfBrowser(browser: BrowserPlatform): InstallOs {
  const hint = `${browser.userAgentData?.platform ?? ""} ${browser.platform ?? ""} ${browser.userAgent}`.toLowerCase();
  // iPhones and iPads say "like Mac OS X", and Android says "Linux": test for them before the desktops.
  if (/iphone|ipad|android/.test(hint)) return "linux";
  if (/windows|win32|win64/.test(hint)) return "windows";
  if (/mac/.test(hint)) return "macos";
  return "linux";
}

/** The install line for one system, from the two lines the server made. */
export function commandFor(os: InstallOs, commands: { unix: string; windows: string }): string {
  return os === "windows" ? commands.windows : commands.unix;
}

/** Where the user pastes the line, in each system's own words. */
export const TERMINAL_NAMES: Record<InstallOs, string> = { linux: "a terminal", macos: "Terminal", windows: "PowerShell" };
