import { describe, expect, it } from "vitest";
import { money } from "../../protocol/src/money.ts";

describe("money", () => {
  it("shows each currency with its own symbol and digits, and the sign in front", () => {
    expect(money(1234.5, "USD", "en-US")).toBe("$1,234.50");
    expect(money(-1234.5, "EUR", "en-US")).toBe("-€1,234.50");
    expect(money(-0.5, "GBP", "en-US")).toBe("-£0.50");
    expect(money(1500, "JPY", "en-US")).toBe("¥1,500");
  });

  it("follows the locale it is given", () => {
    expect(money(-1234.5, "EUR", "de-DE")).toBe("-1.234,50\u00a0€");
  });

  it("still shows an amount whose currency code Intl refuses", () => {
    expect(money(-3, "not a code", "en-US")).toBe("-3.00 not a code");
  });
});
