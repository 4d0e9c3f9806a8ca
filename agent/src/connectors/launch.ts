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

/** How the system's "open this" handler ended: it exited (with its code and what it said), or is still running. */
export type HandlerOutcome = { status: "exited"; code: number | null; signal: NodeJS.Signals | null; stderr: string } | { status: "running" };

/** What a handler said on stderr is kept up to this many characters, for the failure's message. */
const HANDLER_STDERR_CHARS = 1000;

/**
 * Runs the system's "open this" handler (xdg-open, open, rundll32) and waits up to `settleMs` for it to exit. Those
 * hand the URL to the browser and exit at once, so their exit code is the verdict: starting is not opening. One
 * still running after `settleMs` is the browser itself (xdg-open without a desktop runs it in the foreground): it
 * is left running, detached, and counts as opened.
 */
export function runSystemHandler(command: string, args: readonly string[], settleMs: number): Promise<HandlerOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { detached: true, stdio: ["ignore", "ignore", "pipe"], shell: false, windowsHide: true });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      if (stderr.length < HANDLER_STDERR_CHARS) stderr += chunk.slice(0, HANDLER_STDERR_CHARS - stderr.length);
    });
    const timer = setTimeout(() => {
      // Let it run on without us: stop reading its stderr and let the agent exit without waiting for it.
      child.stderr.destroy();
      child.unref();
      resolve({ status: "running" });
    }, settleMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ status: "exited", code, signal, stderr: stderr.trim() });
    });
  });
}
