import { describe, expect, it } from "vitest";
import { compileRule, firstMatch, merchantKey, merchantRulePattern } from "./match.ts";
import { wildcardTest } from "./text.ts";

// What category rules match: `*` patterns (the agent's config.json rules use the same test), where a pattern full
// of stars costs no more than a plain one on a long description; and "merchant is", which compares merchants, not
// the bank's exact text.

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
    expect(firstMatch([rule], { merchant: description, description })).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(100);
    expect(firstMatch([compileRule({ match: "wildcard", pattern: `${"*a".repeat(99)}*`, category: "Yes" })], { merchant: null, description })?.category).toBe("Yes");
  });
});

describe("a merchant-is rule", () => {
  const rule = (pattern: string) => compileRule({ match: "merchant_is", pattern, category: "Groceries" });
  const category = (pattern: string, merchant: string) => firstMatch([rule(pattern)], { merchant, description: null })?.category ?? null;

  it("matches the same merchant however the bank writes it this time", () => {
    // A rule made from one card payment files the next month's, at another till, too.
    expect(category("ALBERT HEIJN 1234 UTRECHT", "ALBERT HEIJN 5678 UTRECHT")).toBe("Groceries");
    expect(category("Albert Heijn", "ALBERT HEIJN 5678 UTRECHT")).toBe("Groceries");
    expect(category("Netflix", "NETFLIX.COM 866-579-7172")).toBe("Groceries");
    expect(category("Netflix", "SEPA-LASTSCHRIFT PAYPAL *NETFLIX")).toBe("Groceries");
  });

  it("does not match another merchant that shares a word", () => {
    expect(category("Albert Heijn", "ALBERT BAKERY")).toBeNull();
    expect(category("Spotify AB", "Spotify AB Merch Store")).toBeNull();
    // Nothing but payment words: the text itself is compared.
    expect(category("PayPal", "PAYPAL")).toBe("Groceries");
    expect(category("PayPal", "PAYPAL *NETFLIX")).toBeNull();
  });
});

describe("the one-click rule's pattern", () => {
  it("is the merchant as people write it, and matches what the bank's text would", () => {
    expect(merchantRulePattern("ALBERT HEIJN 1234 UTRECHT")).toBe("Albert Heijn");
    expect(merchantRulePattern("NETFLIX.COM 866-579-7172")).toBe("Netflix");
    expect(merchantRulePattern("  PAYPAL ")).toBe("PAYPAL");
    for (const merchant of ["ALBERT HEIJN 1234 UTRECHT", "SEPA-LASTSCHRIFT PAYPAL *SPOTIFY", "H&M 0423", "PAYPAL"]) {
      expect(merchantKey(merchantRulePattern(merchant))).toBe(merchantKey(merchant));
    }
  });
});
