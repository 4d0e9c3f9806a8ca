import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareVersions } from "./versions.ts";

describe("compareVersions", () => {
  it("orders versions as semver does", () => {
    const ordered = ["0.1.0-alpha", "0.1.0-alpha.1", "0.1.0-alpha.beta", "0.1.0-beta.2", "0.1.0-beta.11", "0.1.0-rc.1", "0.1.0", "0.1.1", "0.2.0", "0.10.0", "1.0.0"];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        const a = ordered[i] ?? "";
        const b = ordered[j] ?? "";
        expect(compareVersions(a, b), `${a} vs ${b}`).toBe(Math.sign(i - j));
      }
    }
  });

  it("is antisymmetric for any x.y.z", () => {
    const version = fc.tuple(fc.nat(30), fc.nat(30), fc.nat(30)).map(([x, y, z]) => `${x}.${y}.${z}`);
    fc.assert(fc.property(version, version, (a, b) => compareVersions(a, b) === -compareVersions(b, a)));
  });
});
