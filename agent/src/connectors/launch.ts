import { spawn } from "node:child_process";

/**
 * Starts a program detached from the agent (it keeps running when the agent stops), with arguments passed as an
 * array and no shell in between, so nothing in them is interpreted. Resolves once it has started.
 */
export function launchDetached(command: string, args: readonly string[]): Promise<{ pid: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { detached: true, stdio: "ignore", shell: false, windowsHide: true });
    child.once("error", (error) => reject(error));
    child.once("spawn", () => {
      child.unref();
      resolve({ pid: child.pid ?? null });
    });
  });
}

/** The system's own "open this" command for a URL, as [program, ...args]. */
export function systemOpener(url: string, platform: NodeJS.Platform = process.platform): [string, string[]] {
  if (platform === "darwin") return ["open", [url]];
  // rundll32 opens the URL with the default handler without going through cmd.exe, whose parsing `start` would need.
  if (platform === "win32") return ["rundll32.exe", ["url.dll,FileProtocolHandler", url]];
  return ["xdg-open", [url]];
}
