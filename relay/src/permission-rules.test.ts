import { describe, expect, it } from "vitest";
import { evaluate, grantFor, HOUR_MS } from "./permission-rules.ts";
import type { Rule } from "./permission-rules.ts";

const NOW = 1_800_000_000_000;
const rule = (over: Partial<Rule>): Rule => ({ id: "r", deviceId: null, target: "filesystem", action: "read", scope: null, effect: "allow", oneTime: false, expiresAt: null, ...over });
const read = (path: string) => ({ target: "filesystem", action: "read", parameters: { path } });

describe("evaluate", () => {
  it("asks when nothing covers the command", () => {
    expect(evaluate([], read("~/a"), "d1", NOW)).toEqual({ effect: "ask" });
    expect(evaluate([rule({ action: "write" })], read("~/a"), "d1", NOW)).toEqual({ effect: "ask" });
  });

  it("lets a deny beat an allow, however narrow the allow", () => {
    const rules = [rule({ id: "allow", deviceId: "d1", scope: "~/a" }), rule({ id: "deny", target: "*", action: "*", effect: "deny" })];
    expect(evaluate(rules, read("~/a"), "d1", NOW)).toMatchObject({ effect: "deny", rule: { id: "deny" } });
  });

  it("ignores expired rules, other devices' rules, and scopes that do not match", () => {
    expect(evaluate([rule({ expiresAt: NOW })], read("~/a"), "d1", NOW).effect).toBe("ask");
    expect(evaluate([rule({ deviceId: "d2" })], read("~/a"), "d1", NOW).effect).toBe("ask");
    expect(evaluate([rule({ scope: "~/Documents/**" })], read("~/Secrets/x"), "d1", NOW).effect).toBe("ask");
    expect(evaluate([rule({ scope: "~/Documents/**" })], { target: "filesystem", action: "read", parameters: {} }, "d1", NOW).effect).toBe("ask");
  });

  it("prefers a standing grant to a one-time one, then the narrowest", () => {
    const rules = [rule({ id: "once", oneTime: true, deviceId: "d1" }), rule({ id: "wide", target: "*", action: "*" }), rule({ id: "narrow", scope: "~/**" })];
    expect(evaluate(rules, read("~/a"), "d1", NOW)).toMatchObject({ effect: "allow", rule: { id: "narrow" } });
    expect(evaluate([rules[0]!], read("~/a"), "d1", NOW)).toMatchObject({ effect: "allow", rule: { id: "once" } });
  });
});

describe("grantFor", () => {
  it("leaves a rule for 'for 1 hour' and 'always', none for 'once' and 'deny'", () => {
    expect(grantFor("allow_1h", NOW)).toEqual({ expiresAt: NOW + HOUR_MS });
    expect(grantFor("allow_always", NOW)).toEqual({ expiresAt: null });
    expect(grantFor("allow_once", NOW)).toBeNull();
    expect(grantFor("deny", NOW)).toBeNull();
  });
});
