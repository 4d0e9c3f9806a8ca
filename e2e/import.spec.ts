import { expect, test } from "@playwright/test";
import { registerNewUser } from "./register.ts";

// Statement files uploaded in the web app, each previewed before anything is stored: an OFX with a bad row, and a
// CSV in a layout Hearth does not know (so the user says how it is read); then the date-range brush over them.
// Saving a layout as a profile is import-profiles.spec.ts.

const OFX = `OFXHEADER:100
DATA:OFXSGML
VERSION:102

<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR
<BANKACCTFROM><BANKID>1<ACCTID>DE-4411<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260903<TRNAMT>-12.40<FITID>A1<NAME>Caf\xe9 M\xfcller</STMTTRN>
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20260905<TRNAMT>2500.00<FITID>A2<NAME>Salary</STMTTRN>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261399<TRNAMT>-3.00<FITID>A3<NAME>Impossible date</STMTTRN>
</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
`;
// A small credit union's export: a preamble line, then day/month/year dates and separate money-out/money-in columns.
const CSV = `Account 12-3456 statement
Posted;Payee;Money out;Money in
02/10/2026;Corner Grocer;23,10;
15/10/2026;Refund from Corner Grocer;;5,00
`;

test("import an OFX and an unknown CSV layout, each previewed first, and pick a range with the brush", async ({ page }) => {
  await registerNewUser(page, "import");
  await page.goto("/dashboard");
  await page.getByRole("link", { name: "Import a bank statement" }).click();
  await expect(page.getByRole("heading", { name: "Import a statement" })).toBeVisible();

  // Two files at once: Latin-1 bytes, as the bank wrote them; the CSV's currency comes from the page.
  await page.getByLabel("Currency for CSV files").selectOption("GBP");
  await page.getByLabel("Statement files").setInputFiles([
    { name: "september.ofx", mimeType: "application/x-ofx", buffer: Buffer.from(OFX, "latin1") },
    { name: "credit-union.csv", mimeType: "text/csv", buffer: Buffer.from(CSV, "utf8") },
  ]);
  // The OFX's preview: how it was read, the counts, its rows as they will be stored, and the refused line's reason.
  const ofx = page.getByRole("listitem", { name: "september.ofx" });
  const ofxPreview = ofx.getByRole("group", { name: "Preview of september.ofx" });
  await expect(ofxPreview).toContainText("Read as OFX");
  await expect(ofxPreview.getByRole("status")).toContainText("2 new transactions");
  await expect(ofxPreview.getByRole("status")).toContainText("1 line refused");
  await expect(ofxPreview.getByRole("row").filter({ hasText: "Café Müller" })).toContainText("-€12.40");
  await expect(ofx.getByText(/^Line 3: .*date/)).toBeVisible();
  await ofx.getByRole("button", { name: "Import 2 new transactions" }).click();
  await expect(ofx).toContainText("2 new transactions stored, 1 line refused");

  // The CSV opens the picker; the user says how it is read and the preview follows each answer.
  const csv = page.getByRole("listitem", { name: "credit-union.csv" });
  const picker = csv.getByRole("form", { name: "How credit-union.csv is read" });
  await expect(picker).toBeVisible();
  await picker.getByLabel("Separator").selectOption(";");
  await picker.getByLabel("Lines to skip").fill("1");
  await picker.getByLabel("The first row after the skipped lines names the columns").check();
  await picker.getByLabel("Date order").selectOption("DMY");
  await picker.getByLabel("Decimal mark").selectOption(",");
  await picker.getByLabel("Date", { exact: true }).selectOption("Posted");
  await picker.getByLabel("Description", { exact: true }).selectOption("Payee");
  await picker.getByLabel("Separate money-out and money-in columns").check();
  await picker.getByLabel("Money out", { exact: true }).selectOption("Money out");
  await picker.getByLabel("Money in", { exact: true }).selectOption("Money in");
  await picker.getByLabel("Currency", { exact: true }).selectOption("GBP");
  const csvPreview = csv.getByRole("group", { name: "Preview of credit-union.csv" });
  await expect(csvPreview.getByRole("status")).toContainText("2 new transactions");
  await expect(csvPreview.getByRole("row").filter({ hasText: "Refund from Corner Grocer" })).toContainText("£5.00");
  await expect(csvPreview.getByRole("row").filter({ hasText: /^.*Corner Grocer.*-£23\.10/ })).toHaveCount(1);
  await csv.getByRole("button", { name: "Import 2 new transactions" }).click();
  await expect(csv).toContainText("2 new transactions stored");
  await expect(page.getByRole("region", { name: "Imports" }).getByRole("status").first()).toHaveText("2 of 2 files done · 4 new transactions stored");
  await expect(page.getByRole("progressbar", { name: "Import progress" })).toHaveAttribute("value", "2");

  await page.getByRole("link", { name: "See them on the dashboard" }).click();
  const list = page.getByRole("region", { name: "Activity" });
  await expect(list.getByRole("row", { name: /Café Müller/ })).toContainText("€12.40");
  await expect(list.getByRole("row", { name: /Corner Grocer/ }).first()).toContainText(/£/);

  // The brush: month by month, moving the start handle to the last month narrows the dashboard to October.
  await page.goto("/dashboard?group=month");
  await expect(list.getByRole("row")).toHaveCount(5); // header + 4 transactions
  const start = page.getByLabel("Range start");
  await start.focus();
  await page.keyboard.press("End");
  await expect(page).toHaveURL(/from=\d+/);
  await expect(list.getByRole("row")).toHaveCount(3); // header + the two October CSV rows
  await expect(list).not.toContainText("Café Müller");
  await page.goBack();
  await expect(list.getByRole("row")).toHaveCount(5);
});

// An export whose dates carry a time of day, with a line that cannot be read and the bank's closing note.
const TIMED_CSV = `Booked at;Payee;Value
2021-09-05 11:32:41;Coffee House;-3,50
not a date;BROKEN ROW;abc
2021-09-06 08:01:12;Lunch Place;-12,00
2021-09-07 19:45:00;Employer;1500,00
Generated by Example Bank
`;

test("a CSV with times of day and a broken line: every line is accounted for, and the broken one is named", async ({ page }) => {
  await registerNewUser(page, "import-lines");
  await page.goto("/dashboard/import");
  await page.getByLabel("Currency for CSV files").selectOption("EUR");
  await page.getByLabel("Statement files").setInputFiles([{ name: "timed.csv", mimeType: "text/csv", buffer: Buffer.from(TIMED_CSV, "utf8") }]);
  const item = page.getByRole("listitem", { name: "timed.csv" });
  const picker = item.getByRole("form", { name: "How timed.csv is read" });
  await picker.getByLabel("Separator").selectOption(";");
  await picker.getByLabel("Lines to skip").fill("0");
  await picker.getByLabel("Date order").selectOption("YMD");
  await picker.getByLabel("Decimal mark").selectOption(",");
  await picker.getByLabel("Date", { exact: true }).selectOption("Booked at");
  await picker.getByLabel("Description", { exact: true }).selectOption("Payee");
  await picker.getByLabel("One amount, with a minus for money out").check();
  await picker.getByLabel("Amount", { exact: true }).selectOption("Value");

  // The preview counts every line before anything is stored, and names the broken one.
  const preview = item.getByRole("group", { name: "Preview of timed.csv" });
  await expect(preview.getByRole("status")).toContainText("3 new transactions");
  await expect(preview.getByRole("status")).toContainText("1 line refused");
  await expect(preview.getByRole("status")).toContainText("1 line skipped");
  await expect(preview.getByText(/^Line 3: .*not a date/)).toBeVisible();
  await item.getByRole("button", { name: "Import 3 new transactions" }).click();

  await expect(item).toContainText("3 new transactions stored, 1 line refused, 1 line skipped");
  await expect(item.getByText(/^Line 3: .*not a date/)).toBeVisible();
  await item.getByText("Lines skipped, not transactions").click();
  await expect(item.getByText(/^Line 6: /)).toBeVisible();

  await page.getByRole("link", { name: "See them on the dashboard" }).click();
  await expect(page.getByRole("region", { name: "Activity" }).getByRole("row")).toHaveCount(4); // header + 3
});
