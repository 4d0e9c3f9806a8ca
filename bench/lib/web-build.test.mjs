import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { webBuildNeeded } from "./web-build.mjs";

// `npm install && npm run bench -- --quick` must work from a fresh clone, where web/build does not exist yet.
describe("bench/lib/web-build.mjs webBuildNeeded", () => {
  it("asks for a build when web/build is missing, or older than a file in web/src, and not otherwise", () => {
    const root = mkdtempSync(join(tmpdir(), "hearth-web-build-"));
    mkdirSync(join(root, "web/src/lib"), { recursive: true });
    const source = join(root, "web/src/lib/chart.ts");
    writeFileSync(source, "export {};\n");
    expect(webBuildNeeded(root)).toBe("web/build is missing");

    mkdirSync(join(root, "web/build"));
    const index = join(root, "web/build/index.html");
    writeFileSync(index, "<!doctype html>");
    utimesSync(source, new Date(1_000_000), new Date(1_000_000));
    utimesSync(index, new Date(2_000_000), new Date(2_000_000));
    expect(webBuildNeeded(root)).toBeNull();

    utimesSync(source, new Date(3_000_000), new Date(3_000_000));
    expect(webBuildNeeded(root)).toBe("web/src changed since the last build");
  });
});
