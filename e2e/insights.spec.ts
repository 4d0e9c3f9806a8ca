import { expect, test } from "@playwright/test";
import type { Page } from "@playwright/test";
import { registerNewUser } from "./register.ts";
import { axeFindings, overflowOf, overlapsOf } from "./screens.ts";

// Insights end to end: a statement with eight months of Netflix, the newest one dearer, is uploaded; the bell rises
// with "Netflix +16%", and the Subscriptions page lists Netflix with its next expected date and a price badge.

const DAY = 86_400_000;
const ofxDay = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString().slice(0, 10).replaceAll("-", "");

/** An OFX statement of monthly Netflix payments (the newest two days ago, at the new price) and monthly salary. */
function statement(): string {
  const rows: string[] = [];
  for (let k = 7; k >= 0; k--) {
    const amount = k === 0 ? "-17.99" : "-15.49";
    rows.push(`<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>${ofxDay(2 + 30 * k)}<TRNAMT>${amount}<FITID>NF${k}<NAME>NETFLIX.COM 866-579-7172</STMTTRN>`);
    rows.push(`<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>${ofxDay(5 + 30 * k)}<TRNAMT>2500.00<FITID>SAL${k}<NAME>ACME BV SALARY</STMTTRN>`);
  }
  return `OFXHEADER:100
DATA:OFXSGML
VERSION:102

<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR
<BANKACCTFROM><BANKID>1<ACCTID>NL-7788<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST>
${rows.join("\n")}
</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
`;
}

const bell = (page: Page, unread: number) => page.getByRole("link", { name: `Notifications, ${unread} unread`, exact: true });

test("an uploaded statement with a dearer Netflix raises a price-change notification and fills the Subscriptions page", async ({ page }) => {
  await registerNewUser(page, "insights");
  await page.goto("/dashboard");
  await expect(bell(page, 0)).toBeVisible();

  // The web app's upload endpoint, with the signed-in page's own session (the import page's picker is its own spec).
  const upload = await page.request.post("/api/activities/import?filename=bank.ofx", {
    headers: { "content-type": "application/octet-stream" },
    data: Buffer.from(statement(), "latin1"),
  });
  expect(upload.status()).toBe(200);
  expect(await upload.json()).toMatchObject({ stored: 16, duplicates: 0 });

  // Only the newest payment is news: one notification, the price change (no "new subscription" for old history).
  await expect(bell(page, 1)).toBeVisible({ timeout: 20_000 });
  await bell(page, 1).click();
  const notice = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Netflix +16%" }) });
  await expect(notice).toBeVisible();
  await expect(notice).toContainText(/went from €15\.49 to €17\.99/);

  // Uploading the same statement again stores nothing and tells nothing.
  const again = await page.request.post("/api/activities/import?filename=bank.ofx", { headers: { "content-type": "application/octet-stream" }, data: Buffer.from(statement(), "latin1") });
  expect(await again.json()).toMatchObject({ stored: 0, duplicates: 16 });

  await notice.getByRole("link", { name: "Netflix +16%" }).click();
  await expect(page).toHaveURL(/\/dashboard\/subscriptions$/);
  await expect(page.getByRole("heading", { name: "Subscriptions and bills", level: 1 })).toBeVisible();
  const subscriptions = page.getByRole("list", { name: "Subscriptions" });
  const netflix = subscriptions.getByRole("listitem").filter({ hasText: "Netflix" });
  await expect(netflix).toContainText("Monthly");
  await expect(netflix).toContainText("Price +16%");
  await expect(netflix).toContainText("€17.99");
  // The next payment is expected about a month after the last one, and the page shows that day.
  const answer: { outgoing: { merchant: string; next_day: string; last_day: string }[] } = await (await page.request.get("/api/insights/subscriptions")).json();
  const series = answer.outgoing.find((s) => s.merchant === "Netflix");
  if (!series) throw new Error("Netflix is a subscription");
  const gap = (Date.parse(series.next_day) - Date.parse(series.last_day)) / DAY;
  expect(gap).toBeGreaterThanOrEqual(27);
  expect(gap).toBeLessThanOrEqual(33);
  const nextLabel = new Date(`${series.next_day}T12:00:00Z`).toLocaleDateString("en-US", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  await expect(netflix.getByText(nextLabel)).toBeVisible();
  await expect(page.getByRole("list", { name: "Income" })).toContainText("Acme Salary");

  // Filled in, the page fits a phone in light and dark, with nothing overlapping and nothing axe finds serious.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await expect(netflix).toBeVisible();
    expect([await overflowOf(page), ...(await overlapsOf(page)), ...(await axeFindings(page))].filter((f) => f !== null)).toEqual([]);
  }
  await page.screenshot({ path: test.info().outputPath("subscriptions-phone-dark.png"), fullPage: true });

  // Its name leads to its payments on the dashboard.
  await netflix.getByRole("link", { name: "Netflix" }).click();
  await expect(page).toHaveURL(/\/dashboard\?type=financial&q=netflix/);
  // The dashboard's insight card compares this week and month with the usual: nothing stands out here.
  const card = page.getByRole("article", { name: "Unusual spending", exact: true });
  await expect(card).toContainText("Nothing unusual this week or month.");
});
