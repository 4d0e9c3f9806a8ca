import { describe, expect, it } from "vitest";
import { previewCsv } from "./csv-header.ts";

// The column picker's first guesses, for exports whose dates are not plain day/month/year.

describe("CSV preview guesses", () => {
  it("takes 8-digit dates in quoted, semicolon-separated fields as year-month-day", () => {
    const preview = previewCsv('"Buchungsdatum";"Text";"Betrag"\n"20200213";"Miete";"-850,00"\n"20200214";"Gehalt";"2.400,00"\n');
    expect(preview.header).toEqual(["Buchungsdatum", "Text", "Betrag"]);
    expect(preview.guess).toMatchObject({ date: "Buchungsdatum", order: "YMD", amount: "Betrag", decimal: "," });
  });

  it("reads a date with a time of day by its date", () => {
    const preview = previewCsv("Date,Description,Amount\n2021-09-05 11:32:41,Coffee,-3.50\n");
    expect(preview.guess).toMatchObject({ date: "Date", order: "YMD", amount: "Amount", description: "Description" });
  });
});
