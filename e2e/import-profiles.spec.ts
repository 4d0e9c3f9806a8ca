import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import type { Page } from "@playwright/test";
import { registerNewUser } from "./register.ts";
import { axeFindings, overflowOf, overlapsOf } from "./screens.ts";

// A Dutch bank's export Hearth has no preset for: a preamble line, day-month-year dates, an always-positive amount
// with an Af/Bij column saying which way the money went. The user reads it through the picker, saves the layout as
// a profile, and the next month's statement (which overlaps by one line) is read with it and asks nothing.

const HEADER = "Boekdatum;Omschrijving;Tegenrekening;Richting;Bedrag;Saldo";
const OCTOBER = `Rekening NL02 TEST 0123 4567 89 - mutaties oktober 2026
${HEADER}
02-10-2026;Albert Heijn 1234 Utrecht;;Af;23,10;1.976,90
05-10-2026;Werkgever BV salaris;NL20INGB0001234567;Bij;2.450,00;4.426,90
28-10-2026;Vattenfall energie;NL69ABNA0411111111;Af;112,40;4.314,50
`;
const NOVEMBER = `Rekening NL02 TEST 0123 4567 89 - mutaties november 2026
${HEADER}
28-10-2026;Vattenfall energie;NL69ABNA0411111111;Af;112,40;4.314,50
03-11-2026;Jumbo Amersfoort;;Af;41,75;4.272,75
05-11-2026;Werkgever BV salaris;NL20INGB0001234567;Bij;2.450,00;6.722,75
`;

const csv = (name: string, text: string) => ({ name, mimeType: "text/csv", buffer: Buffer.from(text, "utf8") });

/** The page fits, nothing overlaps and axe finds nothing serious, as the screens spec checks every page. */
async function checkScreen(page: Page, what: string) {
  const findings = [await overflowOf(page), ...(await overlapsOf(page)), ...(await axeFindings(page))].filter((f): f is string => f !== null);
  expect(findings, `${what}:\n${findings.join("\n")}`).toEqual([]);
}

test("an unknown layout with an Af/Bij column is read through the picker, saved as a profile, and the next statement asks nothing", async ({ page }) => {
  await registerNewUser(page, "import-profile");
  await page.goto("/dashboard/import");
  await expect(page.getByRole("region", { name: "Saved layouts" }).getByText("No saved layouts yet")).toBeVisible();
  await page.getByLabel("Currency for CSV files").selectOption("EUR");
  await page.getByLabel("Statement files").setInputFiles([csv("oktober.csv", OCTOBER)]);

  const item = page.getByRole("listitem", { name: "oktober.csv" });
  await expect(item).toContainText("Hearth doesn't know this layout yet");
  await expect(item.getByRole("button", { name: /^Import / })).toHaveCount(0);
  const picker = item.getByRole("form", { name: "How oktober.csv is read" });

  // The reading settings first: the preamble line is skipped (and shown as skipped), the header names the columns.
  await picker.getByLabel("Separator").selectOption(";");
  await picker.getByLabel("Lines to skip").fill("1");
  await expect(picker.getByText("Skipped, not read:")).toBeVisible();
  await expect(picker.getByRole("listitem").filter({ hasText: "mutaties oktober 2026" })).toBeVisible();
  await picker.getByLabel("The first row after the skipped lines names the columns").check();
  await expect(picker.getByRole("region", { name: "First rows of oktober.csv" }).getByRole("columnheader", { name: "Richting" })).toBeVisible();
  await picker.getByLabel("Decimal mark").selectOption(",");
  await picker.getByLabel("Thousands").selectOption(".");
  await picker.getByLabel("Date order").selectOption("DMY");

  // Then which column is which, with the amount's direction from Richting: its values come from the file.
  await picker.getByLabel("Date", { exact: true }).selectOption("Boekdatum");
  await picker.getByLabel("Description", { exact: true }).selectOption("Omschrijving");
  await picker.getByLabel("An amount and a column saying which way").check();
  await picker.getByLabel("Amount", { exact: true }).selectOption("Bedrag");
  // Hearth guesses the Richting column from its values; without it the picker says what is missing.
  await expect(picker.getByLabel("Which way", { exact: true })).toHaveValue("Richting");
  await picker.getByLabel("Which way", { exact: true }).selectOption("");
  await expect(picker.getByRole("status")).toHaveText("Still to choose: the column saying which way.");
  await picker.getByLabel("Which way", { exact: true }).selectOption("Richting");
  await picker.getByLabel("“Af” means").selectOption("out");
  await picker.getByLabel("“Bij” means").selectOption("in");
  await picker.getByText("More columns (optional)").click();
  await picker.getByLabel("Balance after").selectOption("Saldo");
  await expect(picker.getByRole("status")).toHaveText("The preview below is read with these choices.");

  // The preview follows: three new transactions, the first as it will be stored, money out in red.
  const preview = item.getByRole("group", { name: "Preview of oktober.csv" });
  await expect(preview.getByRole("status")).toContainText("3 new transactions");
  await expect(preview.getByRole("status")).toContainText("0 already there");
  const rows = preview.getByRole("region", { name: "First transactions of oktober.csv" }).getByRole("row");
  await expect(rows).toHaveCount(4);
  await expect(rows.nth(1)).toContainText("Albert Heijn 1234 Utrecht");
  await expect(rows.nth(1)).toContainText("-€23.10");
  await expect(rows.nth(2)).toContainText("€2,450.00");
  await expect(rows.nth(1).getByText("-€23.10")).toHaveCSS("color", /rgb\(185, 28, 28\)/);

  // The picker at a phone's width, light and dark: it fits, nothing overlaps, axe is content.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await checkScreen(page, `the picker at 390 px in ${colorScheme}`);
  }
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 1280, height: 800 });

  // Saved as a profile for the joint account: the file is read with it from now on.
  const save = item.getByRole("form", { name: "Save this layout" });
  await save.getByRole("button", { name: "Save layout" }).click();
  await expect(save.getByRole("alert")).toHaveText("Give the layout a name, like the bank's.");
  await save.getByLabel("Name").fill("Rabo joint");
  await save.getByLabel("Account (optional)").fill("Joint");
  await save.getByRole("button", { name: "Save layout" }).click();
  await expect(preview).toContainText(/Read as .*Rabo joint/);
  await expect(picker).toHaveCount(0);
  const layouts = page.getByRole("region", { name: "Saved layouts" });
  await expect(layouts.getByRole("listitem").filter({ hasText: "Rabo joint" })).toContainText("Joint");

  await item.getByRole("button", { name: "Import 3 new transactions" }).click();
  await expect(item).toContainText("3 new transactions stored");

  // November: same header, one line overlapping October's. Read with the profile, no picker, the overlap is there.
  await page.getByLabel("Statement files").setInputFiles([csv("november.csv", NOVEMBER)]);
  const next = page.getByRole("listitem", { name: "november.csv" });
  const nextPreview = next.getByRole("group", { name: "Preview of november.csv" });
  await expect(nextPreview).toContainText(/Read as .*Rabo joint/);
  await expect(nextPreview.getByRole("status")).toContainText("2 new transactions");
  await expect(nextPreview.getByRole("status")).toContainText("1 already there");
  await expect(nextPreview.getByRole("row").filter({ hasText: "Vattenfall" })).toContainText("already there");
  await expect(next.getByRole("form", { name: "How november.csv is read" })).toHaveCount(0);
  // The picker still opens on request, on the profile's own answers.
  await next.getByRole("button", { name: "Change how this file is read" }).click();
  const nextPicker = next.getByRole("form", { name: "How november.csv is read" });
  await expect(nextPicker.getByLabel("Amount", { exact: true })).toHaveValue("Bedrag");
  await expect(nextPicker.getByLabel("“Af” means")).toHaveValue("out");
  await next.getByRole("button", { name: "Close" }).click();
  await expect(nextPicker).toHaveCount(0);
  await next.getByRole("button", { name: "Import 2 new transactions" }).click();
  await expect(next).toContainText("2 new transactions stored, 1 already there");
  await expect(page.getByRole("region", { name: "Imports" }).getByRole("status").first()).toHaveText("2 of 2 files done · 5 new transactions stored");

  // Exported, deleted, and imported back from the file.
  const downloading = page.waitForEvent("download");
  await layouts.getByRole("link", { name: "Export layouts" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe("hearth-import-profiles.json");
  const path = await download.path();
  const exported: { hearth_import_profiles: number; profiles: { name: string; header_cells: string[] }[] } = JSON.parse(readFileSync(path, "utf8"));
  expect(exported.profiles).toMatchObject([{ name: "Rabo joint", header_cells: HEADER.split(";") }]);
  await layouts.getByRole("button", { name: "Delete Rabo joint" }).click();
  await layouts.getByRole("button", { name: "Delete", exact: true }).click();
  await expect(layouts.getByText("No saved layouts yet")).toBeVisible();
  const broken = { ...exported, profiles: [...exported.profiles, { name: "", account: null, layout: {}, header_cells: [] }] };
  await layouts.getByLabel("Import layouts from a file").setInputFiles({ name: "layouts.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(broken)) });
  await expect(layouts.getByRole("status")).toContainText("1 layout saved, 1 refused:");
  await expect(layouts.getByText(/^Layout 2: /)).toBeVisible();
  await expect(layouts.getByRole("listitem").filter({ hasText: "Rabo joint" })).toBeVisible();

  // What was stored, on the dashboard: five transactions, signed by their Af/Bij.
  await page.goto("/dashboard?type=financial");
  const list = page.getByRole("region", { name: "Activity" });
  await expect(list.getByRole("row")).toHaveCount(6);
  await expect(list.getByRole("row", { name: /Jumbo Amersfoort/ })).toContainText("€41.75");
});
