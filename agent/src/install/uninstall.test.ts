import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/temp.ts";
import { programFiles } from "./layout.ts";
import type { InstalledLayout } from "./layout.ts";
import { removeProgram } from "./uninstall.ts";

/** A program folder as install.ps1 leaves it (written here with this platform's paths), with `extra` files of the user's. */
async function windowsInstall(extra: string[] = []): Promise<InstalledLayout> {
  const dir = join(await tempDir(), "Hearth");
  for (const file of ["runtime/node.exe", "runtime/node.exe.old", "app/hearth.cjs", "app/hearth.cjs.previous", "install.json", "bin/hearth.cmd", ...extra]) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), "x");
  }
  const launcher = join(dir, "bin", "hearth.cmd");
  return { dir, ...programFiles(dir, "win32"), record: { schema: 1, server: "http://127.0.0.1:9", version: "0.1.0", node: "22.23.2", platform: "win32-x64", launcher, installed_at: "2026-12-06T10:00:00Z" } };
}

describe("removeProgram on Windows", () => {
  it("leaves the launcher cmd.exe is reading, and the folders holding it, to the after-exit step", async () => {
    const layout = await windowsInstall();
    const report = removeProgram(layout, "win32");
    expect(report.afterExit).toEqual([join(layout.dir, "bin", "hearth.cmd")]);
    expect(report.afterExitFolders).toEqual([join(layout.dir, "bin"), layout.dir]);
    expect(report.kept).toEqual([]);
    expect(report.removed).toEqual(expect.arrayContaining([join(layout.dir, "runtime", "node.exe"), join(layout.dir, "runtime", "node.exe.old"), join(layout.dir, "app"), join(layout.dir, "install.json")]));
    // (cmd.exe is not here to run the after-exit step, so what it would remove is still there.)
    expect(readdirSync(layout.dir)).toEqual(["bin"]);
  });

  it("keeps a program folder that holds a file of the user's, and says so", async () => {
    const layout = await windowsInstall(["notes.txt"]);
    const report = removeProgram(layout, "win32");
    expect(report.kept).toEqual([`${layout.dir} (it also holds notes.txt, which Hearth did not put there)`]);
    expect(report.afterExitFolders).toEqual([join(layout.dir, "bin")]);
    expect(existsSync(join(layout.dir, "notes.txt"))).toBe(true);
  });
});
