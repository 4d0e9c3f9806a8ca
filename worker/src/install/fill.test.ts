import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compareVersions, updateAvailable } from "#protocol";
import { DEFAULT_RUNTIME_BASE, failingScript, fillScript, parseManifest, runtimeBaseOf, serveManifest } from "./fill.ts";
import fixtureManifest from "../../../test/fixtures/agent-build/agent/manifest.json";

const manifestText = JSON.stringify(fixtureManifest);

const TEMPLATE = "S='@@HEARTH_SERVER@@'\nK='@@HEARTH_INSTALL_KEY@@'\nB='@@HEARTH_RUNTIME_BASE@@'\necho '@@HEARTH_SERVER@@'\n";
const GOOD = { server: "https://hearth.example:8443", key: "abcDEF123_-abcDEF123_-abcDEF1234", runtimeBase: DEFAULT_RUNTIME_BASE };

describe("filling the install scripts", () => {
  it("puts the server, key and runtime base into every placeholder, and leaves none", () => {
    const filled = fillScript(TEMPLATE, GOOD);
    expect(filled).toEqual({
      ok: true,
      script: "S='https://hearth.example:8443'\nK='abcDEF123_-abcDEF123_-abcDEF1234'\nB='https://registry.npmjs.org'\necho 'https://hearth.example:8443'\n",
    });
    expect(fillScript(TEMPLATE, { ...GOOD, server: "http://[::1]:8787", key: "" })).toMatchObject({ ok: true, script: expect.stringContaining("S='http://[::1]:8787'\nK=''") });
  });

  it("refuses a key that could break out of its quotes (400), and a bad server setting (500), filling nothing", () => {
    for (const key of ["x'; rm -rf ~; '", "a b", "a\nb", "$(id)", "k".repeat(65)]) {
      expect(fillScript(TEMPLATE, { ...GOOD, key })).toMatchObject({ ok: false, status: 400, message: expect.stringContaining("Copy the line again") });
    }
    for (const server of ["https://evil.example/'$(id)'", "file:///etc", "https://a.example/path", "javascript:alert(1)"]) {
      expect(fillScript(TEMPLATE, { ...GOOD, server })).toMatchObject({ ok: false, status: 500 });
    }
    for (const runtimeBase of ["https://mirror.example/npm/", "https://mirror.example/it's", "ftp://mirror.example", "https://a.example/x y"]) {
      expect(fillScript(TEMPLATE, { ...GOOD, runtimeBase })).toMatchObject({ ok: false, status: 500, message: expect.stringContaining("AGENT_RUNTIME_BASE") });
    }
  });

  it("never lets a filled value end its single-quoted string, whatever the value", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (key, path) => {
        const filled = fillScript(TEMPLATE, { ...GOOD, key, runtimeBase: `https://m.example/${path}` });
        if (!filled.ok) return;
        // Each line is NAME='value' with no other quote in it.
        for (const line of filled.script.trimEnd().split("\n")) expect(line).toMatch(/^(?:[A-Z]=|echo )'[^'\s]*'$/);
      }),
    );
  });

  it("reads AGENT_RUNTIME_BASE when set, without a trailing slash, and npm's registry otherwise", () => {
    expect(runtimeBaseOf({})).toBe("https://registry.npmjs.org");
    expect(runtimeBaseOf({ AGENT_RUNTIME_BASE: " " })).toBe("https://registry.npmjs.org");
    expect(runtimeBaseOf({ AGENT_RUNTIME_BASE: "http://127.0.0.1:4873/" })).toBe("http://127.0.0.1:4873");
  });

  it("writes failing scripts that only print the reason: sh exits 1, PowerShell throws (exit would close the window)", () => {
    expect(failingScript("sh", "It's not built")).toBe("#!/bin/sh\n# Hearth could not give you its installer.\necho 'It'\\''s not built' >&2\nexit 1\n");
    expect(failingScript("ps1", "It's not built")).toBe("# Hearth could not give you its installer.\n$global:LASTEXITCODE = 1\nthrow 'It''s not built'\n");
  });
});

describe("the agent manifest", () => {
  it("parses the build's manifest and refuses what is not one (a missing build answered with the app's page)", () => {
    expect(parseManifest(manifestText)?.version).toBe("0.2.0");
    expect(parseManifest("<!doctype html><html></html>")).toBeNull();
    expect(parseManifest(JSON.stringify({ ...JSON.parse(manifestText), schema: 2 }))).toBeNull();
    expect(parseManifest(JSON.stringify({ ...JSON.parse(manifestText), version: "latest" }))).toBeNull();
  });

  it("is served with the bundle's absolute URL and this server's runtime base", () => {
    const manifest = parseManifest(manifestText);
    if (!manifest) throw new Error("fixture manifest did not parse");
    const served = serveManifest(manifest, "http://localhost:8787", "http://127.0.0.1:4873");
    expect(served.app).toEqual({ ...manifest.app, url: "http://localhost:8787/agent/0.2.0/hearth.cjs" });
    expect(served.runtime).toEqual({ ...manifest.runtime, base: "http://127.0.0.1:4873" });
  });
});

describe("agent versions", () => {
  it("orders versions as semver does", () => {
    const ordered = ["0.0.9", "0.1.0-alpha", "0.1.0-alpha.1", "0.1.0-alpha.beta", "0.1.0-beta.2", "0.1.0-beta.11", "0.1.0-rc.1", "0.1.0", "0.1.1", "0.10.0", "1.0.0"];
    for (let i = 0; i < ordered.length; i += 1) {
      for (let j = 0; j < ordered.length; j += 1) expect(compareVersions(ordered[i] ?? "", ordered[j] ?? ""), `${ordered[i]} vs ${ordered[j]}`).toBe(Math.sign(i - j));
    }
  });

  it("is antisymmetric for any two strings, and puts a non-version below every version", () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => {
        expect(compareVersions(a, b)).toBe(-compareVersions(b, a) || 0);
      }));
    expect(compareVersions("dev", "0.0.1")).toBe(-1);
  });

  it("offers an update only to an older agent, and none when the server has no build", () => {
    expect(updateAvailable("0.1.0", "0.2.0")).toBe(true);
    expect(updateAvailable("0.2.0", "0.2.0")).toBe(false);
    expect(updateAvailable("0.3.0", "0.2.0")).toBe(false);
    expect(updateAvailable("0.1.0", null)).toBe(false);
  });
});
