import { describe, expect, it } from "vitest";
import { compileRule } from "./match.ts";
import { wildcardTest } from "./text.ts";

// The `*` patterns of category rules (and of the agent's config.json rules): what they match, and that a pattern
// full of stars costs no more than a plain one on a long description.

describe("wildcard patterns", () => {
  it("match whole text, * standing for whatever text, case and spacing ignored", () => {
    const amazon = wildcardTest("AMZN*");
    expect(amazon("amzn Mktp DE")).toBe(true);
    expect(amazon("AMZN")).toBe(true);
    expect(amazon("PAYPAL *AMZN")).toBe(false);
    const uber = wildcardTest("*uber*trip");
    expect(uber("PAYPAL *UBER   TRIP")).toBe(true);
    expect(uber("UBER EATS")).toBe(false);
    // Pieces may not overlap: "a*a" needs two a's.
    expect(wildcardTest("a*a")("a")).toBe(false);
    expect(wildcardTest("a*a")("aa")).toBe(true);
    expect(wildcardTest("*b*b*")("abc")).toBe(false);
    expect(wildcardTest("*b**c*")("xbyc")).toBe(true);
    // Signs a regular expression would read are plain text here.
    expect(wildcardTest("corner (cafe) [x]*")("Corner (Cafe) [x] 12")).toBe(true);
    expect(wildcardTest("a.c")("abc")).toBe(false);
  });

  it("answer at once for a pattern of 100 stars over a 2000-character description", () => {
    const rule = compileRule({ match: "wildcard", pattern: `${"*a".repeat(99)}*b`, category: "Never" });
    const description = "a".repeat(2000);
    const started = performance.now();
    expect(rule.test({ merchant: description, description })).toBe(false);
    expect(performance.now() - started).toBeLessThan(100);
    expect(compileRule({ match: "wildcard", pattern: `${"*a".repeat(99)}*`, category: "Yes" }).test({ merchant: null, description })).toBe(true);
  });
});
