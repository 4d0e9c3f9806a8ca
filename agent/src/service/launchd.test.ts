import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/temp.ts";
import { serviceContext } from "./context.ts";
import { launchdManager } from "./launchd.ts";

/**
 * A stand-in `launchctl` on PATH (launchd is not here): it logs each call, and after `bootout` it keeps answering
 * `print` for the job `printsAfterBootout` more times, as launchd does while it is still tearing the old job down,
 * and refuses a `bootstrap` made in that window the way launchd does (exit 5, "Input/output error"). The first
 * `lateBootstraps` bootstraps fail that way too, for a launchd whose `print` already lies.
 */
async function fakeLaunchctl(printsAfterBootout: number, lateBootstraps = 0): Promise<{ bin: string; calls: () => string[] }> {
  const bin = await tempDir();
  const log = join(bin, "calls.log");
  const left = join(bin, "still-loaded");
  const late = join(bin, "late-bootstraps");
  writeFileSync(late, `${lateBootstraps}\n`);
  writeFileSync(
    join(bin, "launchctl"),
    `#!/bin/sh
printf '%s\\n' "$*" >> '${log}'
case "$1" in
  bootout) echo ${printsAfterBootout} > '${left}'; exit 0 ;;
  print)
    n=$(cat '${left}' 2>/dev/null || echo 0)
    if [ "$n" -gt 0 ]; then echo $((n - 1)) > '${left}'; echo "state = running"; exit 0; fi
    exit 113 ;;
  bootstrap)
    n=$(cat '${left}' 2>/dev/null || echo 0)
    m=$(cat '${late}')
    if [ "$m" -gt 0 ]; then echo $((m - 1)) > '${late}'; fi
    if [ "$n" -gt 0 ] || [ "$m" -gt 0 ]; then echo "Bootstrap failed: 5: Input/output error" >&2; exit 5; fi
    exit 0 ;;
  *) exit 0 ;;
esac
`,
  );
  chmodSync(join(bin, "launchctl"), 0o755);
  return { bin, calls: () => readFileSync(log, "utf8").trim().split("\n") };
}

const target = "gui/501/dev.hearth.agent";

async function install(bin: string) {
  const home = await tempDir();
  const env = { HOME: home, HEARTH_HOME: join(home, "settings"), PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` };
  const ctx = serviceContext(env, { platform: "darwin", uid: 501, userHome: home, entry: "/opt/hearth/app/hearth.cjs" });
  return { result: await launchdManager.install(ctx, "hearth"), plist: join(home, "Library", "LaunchAgents", "dev.hearth.agent.plist") };
}

describe("the launchd agent, re-installed", { timeout: 20_000 }, () => {
  it("waits until launchd has let go of the old job before bootstrapping the new one", async () => {
    const { bin, calls } = await fakeLaunchctl(2);
    const { result, plist } = await install(bin);
    expect(result.message).toContain("Installed and started the launchd agent dev.hearth.agent");
    expect(result.ok).toBe(true);
    expect(calls()).toEqual([`bootout ${target}`, `print ${target}`, `print ${target}`, `print ${target}`, `bootstrap gui/501 ${plist}`, `kickstart -k ${target}`]);
  });

  it("tries the bootstrap once more after a pause when launchd still refuses it", async () => {
    const { bin, calls } = await fakeLaunchctl(0, 1);
    const { result, plist } = await install(bin);
    expect(result.ok, result.message).toBe(true);
    expect(calls()).toEqual([`bootout ${target}`, `print ${target}`, `bootstrap gui/501 ${plist}`, `bootstrap gui/501 ${plist}`, `kickstart -k ${target}`]);
  });

  it("says how to load the agent by hand when launchd keeps refusing", async () => {
    const { bin, calls } = await fakeLaunchctl(0, 2);
    const { result, plist } = await install(bin);
    expect(result.ok).toBe(false);
    expect(result.message).toContain("launchd did not load the agent (Bootstrap failed: 5: Input/output error)");
    expect(result.message).toContain(`launchctl bootstrap gui/501 '${plist}'`);
    expect(calls().filter((call) => call.startsWith("bootstrap"))).toHaveLength(2);
  });
});
