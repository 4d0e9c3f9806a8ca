import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareVersions } from "#protocol";

// `hearth update` and `hearth status` offer an update only when the server's version sorts after this one.
describe("compareVersions", () => {
  it("orders versions the semver way", () => {
    const sorted = ["0.1.0", "0.2.0-alpha", "0.2.0-alpha.1", "0.2.0-alpha.beta", "0.2.0-beta", "0.2.0-beta.2", "0.2.0-beta.11", "0.2.0-rc.1", "0.2.0", "0.10.0", "1.0.0"];
    for (let i = 0; i < sorted.length; i++) {
      for (let j = 0; j < sorted.length; j++) expect(compareVersions(sorted[i] ?? "", sorted[j] ?? ""), `${sorted[i]} vs ${sorted[j]}`).toBe(Math.sign(i - j));
    }
  });

  it("is antisymmetric and agrees with the numbers", () => {
    const version = fc.tuple(fc.nat(50), fc.nat(50), fc.nat(50)).map((parts) => parts.join("."));
    fc.assert(
      fc.property(version, version, (a, b) => {
        expect(compareVersions(a, b)).toBe(-compareVersions(b, a) || 0);
        const key = (v: string) => v.split(".").map(Number);
        const [x, y] = [key(a), key(b)];
        const expected = Math.sign((x[0] ?? 0) - (y[0] ?? 0) || (x[1] ?? 0) - (y[1] ?? 0) || (x[2] ?? 0) - (y[2] ?? 0));
        expect(compareVersions(a, b)).toBe(expected);
      }),
    );
  });
});
