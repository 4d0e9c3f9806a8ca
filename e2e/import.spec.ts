import { expect, test } from "@playwright/test";
import { registerNewUser } from "./register.ts";

// The ways into the dashboard from the web app itself: a statement file uploaded (an OFX with a bad row, and a
// CSV in a layout Hearth does not know, so the user maps its columns), a job application added by hand and moved
// through the pipeline, and the date-range brush.

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

test("import an OFX and an unknown CSV layout, add an application by hand, move it on, and pick a range with the brush", async ({ page }) => {
  await registerNewUser(page, "import");
  await page.goto("/dashboard");
  await page.getByRole("link", { name: "Import a bank statement" }).click();
  await expect(page.getByRole("heading", { name: "Import a statement" })).toBeVisible();

  // Two files at once: Latin-1 bytes, as the bank wrote them; the CSV's currency comes from the picker.
  await page.getByLabel("Currency for CSV files").selectOption("GBP");
  await page.getByLabel("Statement files").setInputFiles([
    { name: "september.ofx", mimeType: "application/x-ofx", buffer: Buffer.from(OFX, "latin1") },
    { name: "credit-union.csv", mimeType: "text/csv", buffer: Buffer.from(CSV, "utf8") },
  ]);
  const ofx = page.getByRole("listitem").filter({ hasText: "september.ofx" });
  await expect(ofx).toContainText("2 new transactions");
  await expect(ofx).toContainText("1 line refused");
  await expect(ofx.getByText(/^Line 3: .*date/)).toBeVisible();

  // The CSV asks which column is which, with guesses filled in from the header; the user fixes what is left.
  const picker = page.getByRole("form", { name: "Columns of credit-union.csv" });
  await expect(picker).toBeVisible();
  await expect(picker.getByLabel("Date", { exact: true })).toHaveValue("Posted");
  await expect(picker.getByLabel("Date order")).toHaveValue("DMY");
  await picker.getByLabel("Description").selectOption("Payee");
  await picker.getByLabel("debit and credit columns").check();
  await picker.getByLabel("Debit (money out)").selectOption("Money out");
  await picker.getByLabel("Credit (money in)").selectOption("Money in");
  await picker.getByLabel("Decimal mark").selectOption(",");
  await picker.getByRole("button", { name: "Import with these columns" }).click();
  await expect(page.getByRole("listitem").filter({ hasText: "credit-union.csv" })).toContainText("2 new transactions");
  await expect(page.getByRole("region", { name: "Imports" }).getByRole("status")).toHaveText("2 of 2 files done · 4 new transactions");
  await expect(page.getByRole("progressbar", { name: "Import progress" })).toHaveAttribute("value", "2");

  await page.getByRole("link", { name: "See them on the dashboard" }).click();
  const list = page.getByRole("region", { name: "Activity" });
  await expect(list.getByRole("row", { name: /Café Müller/ })).toContainText("€12.40");
  await expect(list.getByRole("row", { name: /Corner Grocer/ }).first()).toContainText(/£/);

  // Applications: one added by hand, after the form says what is missing.
  await page.getByRole("link", { name: "Applications", exact: true }).click();
  await page.getByRole("button", { name: "Add an application" }).click();
  const form = page.getByRole("form", { name: "Add an application" });
  await form.getByLabel("Company").fill("Initech");
  await form.getByRole("button", { name: "Add application" }).click();
  await expect(form.getByText("Which role?")).toBeVisible();
  await form.getByLabel("Role").fill("Platform Engineer");
  await form.getByLabel("Applied on").fill("2026-10-06");
  await form.getByRole("button", { name: "Add application" }).click();
  const applied = page.getByRole("region", { name: "applied (1)" });
  await expect(applied.getByRole("button", { name: "Initech Platform Engineer" })).toBeVisible();

  // On to screening, then straight to interview from the card's menu; it stays there after a reload.
  await applied.getByRole("button", { name: "Move Initech on to screening" }).click();
  await expect(page.getByRole("region", { name: "screening (1)" })).toContainText("Initech");
  await page.getByLabel("Stage of Initech").selectOption("interview");
  await expect(page.getByRole("region", { name: "interview (1)" })).toContainText("Platform Engineer");
  await page.reload();
  await expect(page.getByRole("region", { name: "interview (1)" })).toContainText("Initech");

  // The brush: month by month, moving the start handle to the last month narrows the dashboard to October.
  await page.goto("/dashboard?group=month");
  await expect(list.getByRole("row")).toHaveCount(6); // header + 4 transactions + 1 application
  const start = page.getByLabel("Range start");
  await start.focus();
  await page.keyboard.press("End");
  await expect(page).toHaveURL(/from=\d+/);
  await expect(list.getByRole("row")).toHaveCount(4); // header + the two October CSV rows + the application
  await expect(list).not.toContainText("Café Müller");
  await page.goBack();
  await expect(list.getByRole("row")).toHaveCount(6);
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
  const picker = page.getByRole("form", { name: "Columns of timed.csv" });
  await expect(picker.getByLabel("Date", { exact: true })).toHaveValue("Booked at");
  await expect(picker.getByLabel("Date order")).toHaveValue("YMD");
  await picker.getByLabel("Description").selectOption("Payee");
  await picker.getByLabel("Amount", { exact: true }).selectOption("Value");
  await picker.getByLabel("Decimal mark").selectOption(",");
  await picker.getByRole("button", { name: "Import with these columns" }).click();

  const item = page.getByRole("listitem").filter({ hasText: "timed.csv" });
  await expect(item).toContainText("3 new transactions, 1 line refused, 1 line skipped");
  await expect(item.getByText('Line 3: "not a date" is not a date (YMD)')).toBeVisible();
  await item.getByText("Lines skipped, not transactions").click();
  await expect(item.getByText("Line 6: a line of text, not a transaction")).toBeVisible();

  await page.getByRole("link", { name: "See them on the dashboard" }).click();
  await expect(page.getByRole("region", { name: "Activity" }).getByRole("row")).toHaveCount(4); // header + 3
});
