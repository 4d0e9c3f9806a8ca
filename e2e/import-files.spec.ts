import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { registerNewUser } from "./register.ts";

// Files that once broke the import page or made it ask every time: a CAMT batch entry (one entry number, two
// payments), a CSV header naming two columns alike, a bank that writes no header row (read with a saved layout
// chosen by hand), and a file too large to send.

const CAMT_BATCH = readFileSync(new URL("../test/fixtures/statements/camt/camt053-001-02-batch-pending.xml", import.meta.url));
const csv = (name: string, text: string) => ({ name, mimeType: "text/csv", buffer: Buffer.from(text, "utf8") });

test("a CAMT.053 file with a batch entry is previewed and imported, each payment of the batch on its own row", async ({ page }) => {
  await registerNewUser(page, "import-camt");
  await page.goto("/dashboard/import");
  await page.getByLabel("Statement files").setInputFiles([{ name: "kontoauszug.xml", mimeType: "application/xml", buffer: CAMT_BATCH }]);

  const item = page.getByRole("listitem", { name: "kontoauszug.xml" });
  const preview = item.getByRole("group", { name: "Preview of kontoauszug.xml" });
  await expect(preview.getByRole("status")).toContainText("5 new transactions");
  await expect(preview.getByRole("status")).toContainText("1 line skipped");
  const rows = preview.getByRole("region", { name: "First transactions of kontoauszug.xml" }).getByRole("row");
  await expect(rows.filter({ hasText: "Stadtwerke Müllheim" })).toContainText("-€64.00");
  await expect(rows.filter({ hasText: "Rundfunkbeitrag" })).toContainText("-€25.40");

  await item.getByRole("button", { name: "Import 5 new transactions" }).click();
  await expect(item).toContainText("5 new transactions stored, 1 line skipped");
  // The Import button is gone: focus is on the file's result, not lost to the page.
  await expect(item.getByText("5 new transactions stored")).toBeVisible();
  expect(await page.evaluate(() => document.activeElement?.closest("li")?.getAttribute("aria-label"))).toBe("kontoauszug.xml");
});

test("a CSV whose header names two columns alike shows both in the picker, numbered", async ({ page }) => {
  await registerNewUser(page, "import-repeat");
  await page.goto("/dashboard/import");
  await page.getByLabel("Currency for CSV files").selectOption("EUR");
  const text = "Datum;Naam;Naam;Bedrag\n2026-10-02;Jan Jansen;Albert Heijn;-23,10\n2026-10-05;Jan Jansen;Werkgever BV;2450,00\n";
  await page.getByLabel("Statement files").setInputFiles([csv("twee-namen.csv", text)]);

  const item = page.getByRole("listitem", { name: "twee-namen.csv" });
  const picker = item.getByRole("form", { name: "How twee-namen.csv is read" });
  await picker.getByLabel("Separator").selectOption(";");
  await picker.getByLabel("The first row after the skipped lines names the columns").check();
  const header = picker.getByRole("region", { name: "First rows of twee-namen.csv" }).getByRole("columnheader");
  await expect(header).toHaveText(["Datum", "Naam", "Naam (2)", "Bedrag"]);
  await expect(picker.getByLabel("Description", { exact: true }).getByRole("option")).toContainText(["Choose a column", "Datum", "Naam", "Naam (2)", "Bedrag"]);
});

test("a bank with no header row: the layout saved once is chosen under “Read with” for the next file", async ({ page }) => {
  await registerNewUser(page, "import-headerless");
  await page.goto("/dashboard/import");
  await page.getByLabel("Currency for CSV files").selectOption("EUR");
  await page.getByLabel("Statement files").setInputFiles([csv("oktober.csv", "2026-10-02,Albert Heijn,-23.10\n2026-10-05,Werkgever BV,2450.00\n")]);

  const item = page.getByRole("listitem", { name: "oktober.csv" });
  const picker = item.getByRole("form", { name: "How oktober.csv is read" });
  await picker.getByLabel("Separator").selectOption(",");
  await picker.getByLabel("The first row after the skipped lines names the columns").uncheck();
  await picker.getByLabel("Date order").selectOption("YMD");
  await picker.getByLabel("Decimal mark").selectOption(".");
  await picker.getByLabel("Date", { exact: true }).selectOption("Column 1");
  await picker.getByLabel("Description", { exact: true }).selectOption("Column 2");
  await picker.getByLabel("One amount, with a minus for money out").check();
  await picker.getByLabel("Amount", { exact: true }).selectOption("Column 3");
  await expect(item.getByRole("group", { name: "Preview of oktober.csv" }).getByRole("status")).toContainText("2 new transactions");

  const save = item.getByRole("form", { name: "Save this layout" });
  await expect(save).toContainText("choose it under “Read with” for the next file");
  await save.getByLabel("Name").fill("ASN");
  await save.getByRole("button", { name: "Save layout" }).click();
  await expect(item.getByRole("group", { name: "Preview of oktober.csv" })).toContainText(/Read as .*ASN/);
  await item.getByRole("button", { name: "Import 2 new transactions" }).click();
  await expect(item).toContainText("2 new transactions stored");

  // November's file has no header either: Hearth cannot recognise it, and the saved layout reads it in one choice.
  await page.getByLabel("Statement files").setInputFiles([csv("november.csv", "2026-10-05,Werkgever BV,2450.00\n2026-11-03,Jumbo,-41.75\n")]);
  const next = page.getByRole("listitem", { name: "november.csv" });
  const nextPreview = next.getByRole("group", { name: "Preview of november.csv" });
  await expect(nextPreview).toContainText("Hearth doesn't know this layout yet");
  await next.getByLabel("Read with").selectOption({ label: "ASN" });
  await expect(nextPreview).toContainText(/Read as .*ASN/);
  await expect(nextPreview.getByRole("status")).toContainText("1 new transaction");
  await expect(nextPreview.getByRole("status")).toContainText("1 already there");
  await expect(next.getByRole("form", { name: "How november.csv is read" })).toHaveCount(0);
  await next.getByRole("button", { name: "Import 1 new transaction" }).click();
  await expect(next).toContainText("1 new transaction stored, 1 already there");
});

test("a file over 5 MiB is refused on the page, before it is sent", async ({ page }) => {
  await registerNewUser(page, "import-large");
  await page.goto("/dashboard/import");
  const sent: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/api/activities/import")) sent.push(request.url());
  });
  await page.getByLabel("Statement files").setInputFiles([csv("jahre.csv", "Datum,Betrag\n".padEnd(6 * 1024 * 1024, "x"))]);
  const item = page.getByRole("listitem", { name: "jahre.csv" });
  await expect(item.getByRole("alert")).toHaveText("This file is 6 MiB; a statement can be up to 5 MiB. Export a shorter period.");
  await expect(item.getByRole("button", { name: "Try again" })).toHaveCount(0);
  expect(sent).toEqual([]);
});
