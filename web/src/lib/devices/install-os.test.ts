import { describe, expect, it } from "vitest";
import { commandFor, osOfBrowser } from "./install-os.ts";

// The Add a computer dialog opens on the tab of the user's own system; these are real browsers' strings.

const UA = {
  chromeWindows: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  safariMac: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  firefoxLinux: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  iphone: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  android: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
};

describe("the system the dialog opens on", () => {
  it("reads desktop browsers' user agents", () => {
    expect(osOfBrowser({ userAgent: UA.chromeWindows, platform: "Win32" })).toBe("windows");
    expect(osOfBrowser({ userAgent: UA.safariMac, platform: "MacIntel" })).toBe("macos");
    expect(osOfBrowser({ userAgent: UA.firefoxLinux, platform: "Linux x86_64" })).toBe("linux");
  });

  it("prefers client hints, which Chromium keeps when it freezes the user agent string", () => {
    expect(osOfBrowser({ userAgent: UA.firefoxLinux, userAgentData: { platform: "macOS" } })).toBe("macos");
    expect(osOfBrowser({ userAgent: "Mozilla/5.0", userAgentData: { platform: "Windows" } })).toBe("windows");
  });

  it("gives phones and unknown browsers Linux, not the Mac an iPhone pretends to be", () => {
    expect(osOfBrowser({ userAgent: UA.iphone, platform: "iPhone" })).toBe("linux");
    expect(osOfBrowser({ userAgent: UA.android, platform: "Linux armv8l" })).toBe("linux");
    expect(osOfBrowser({ userAgent: "" })).toBe("linux");
  });
});

describe("the line for each system", () => {
  const commands = { unix: "curl -fsSL https://h.example/install.sh?k=K | sh", windows: "irm https://h.example/install.ps1?k=K | iex" };
  it("shares the sh line between Linux and macOS, and gives Windows the PowerShell one", () => {
    expect(commandFor("linux", commands)).toBe(commands.unix);
    expect(commandFor("macos", commands)).toBe(commands.unix);
    expect(commandFor("windows", commands)).toBe(commands.windows);
  });
});
