import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { globMatch } from "../../protocol/src/glob.ts";

describe("globMatch", () => {
  it("matches the documented cases", () => {
    expect(globMatch("~/Documents/**", "~/Documents/taxes/2025.pdf")).toBe(true);
    expect(globMatch("~/Documents/**", "~/Documents")).toBe(true);
    expect(globMatch("~/Documents/**", "~/Documents-old/a")).toBe(false);
    expect(globMatch("/**", "/etc/passwd")).toBe(true);
    expect(globMatch("~/Documents/*", "~/Documents/a/b")).toBe(false);
    expect(globMatch("~/Documents/*.txt", "~/Documents/notes.txt")).toBe(true);
    expect(globMatch("a/**/b", "a/b")).toBe(true);
    expect(globMatch("a/**/b", "a/x/y/b")).toBe(true);
    expect(globMatch("file?.md", "file1.md")).toBe(true);
    expect(globMatch("https://*.example.com/**", "https://jobs.example.com/apply/1")).toBe(true);
    expect(globMatch("(x)+[y]", "(x)+[y]")).toBe(true);
  });

  it("treats text without wildcards literally", () => {
    const literal = fc.string().filter((s) => !/[*?]/.test(s));
    fc.assert(fc.property(literal, (s) => globMatch(s, s)));
    fc.assert(fc.property(literal, literal, (a, b) => globMatch(a, b) === (a === b)));
  });

  it("lets ** match anything below a prefix, and * never crosses a slash", () => {
    const segment = fc.string().filter((s) => !/[*?/]/.test(s));
    fc.assert(fc.property(segment, fc.array(segment, { minLength: 1 }), (root, rest) => globMatch(`${root}/**`, `${root}/${rest.join("/")}`)));
    fc.assert(fc.property(segment, segment, segment, (root, a, b) => !globMatch(`${root}/*`, `${root}/${a}/${b}`)));
  });
});
