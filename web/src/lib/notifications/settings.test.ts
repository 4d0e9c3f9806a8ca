import { describe, expect, it } from "vitest";
import { defaultRules } from "#protocol";
import { readDraft, thresholdKey, toDraft } from "./settings.ts";

// Settings → Notifications, the large-transaction rule: an amount per currency, read back from what was typed.

const preferences = () => ({ rules: defaultRules(), quiet_hours: { enabled: false, start: "22:00", end: "07:00", time_zone: "Europe/Berlin" } });

describe("per-currency amounts in the notification settings form", () => {
  it("starts from the default amount in the currencies it suits, and saves a list the user changed", () => {
    const draft = toDraft(preferences());
    const large = draft.rules.find((rule) => rule.kind === "large_transaction");
    if (!large) throw new Error("the defaults have a large_transaction rule");
    expect(large.amounts).toContainEqual({ currency: "USD", amount: "500" });
    expect(large.amounts.map((a) => a.currency)).not.toContain("JPY");
    large.amounts = [
      { currency: "usd", amount: "1000" },
      { currency: "JPY", amount: "50000" },
      { currency: "", amount: "" },
    ];
    const read = readDraft(draft);
    if (!read.ok) throw new Error(JSON.stringify(read.errors));
    expect(read.value.rules.find((rule) => rule.kind === "large_transaction")).toMatchObject({ threshold: null, currency_thresholds: { USD: 1000, JPY: 50_000 } });
  });

  it("says what is wrong with a currency or an amount, at the rule", () => {
    for (const [amounts, message] of [
      [[{ currency: "¥", amount: "5" }], /not a currency code/],
      [[{ currency: "USD", amount: "5" }, { currency: "usd", amount: "6" }], /listed twice/],
      [[{ currency: "EUR", amount: "1,250.50" }], /without separators/],
    ] as const) {
      const draft = toDraft(preferences());
      const large = draft.rules.find((rule) => rule.kind === "large_transaction");
      if (large) large.amounts = [...amounts];
      const read = readDraft(draft);
      expect(read.ok ? null : read.errors[thresholdKey("large_transaction")]).toMatch(message);
    }
  });
});
