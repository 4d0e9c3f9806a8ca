import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { AgentProcess } from "./agent-process.ts";
import { registerNewUser } from "./register.ts";

// The dashboard over real data in D1: events pushed through the API, charts and the list drawn from SQL
// aggregates, the detail drawer, and filters kept in the URL.

function purchase(n: number, day: number, amount: number, category: string, merchant: string) {
  return {
    event_id: `e2e-${n}`,
    activity_type: "financial",
    timestamp: `2026-10-${String(day).padStart(2, "0")}T12:00:00Z`,
    application: "Bank statement",
    description: `${merchant} purchase`,
    details: { amount, currency: "USD", merchant, category },
  };
}

test("push activity with a token from Settings, see it arrive live, open one, recategorise it, and filter by URL", async ({ page, context, baseURL, playwright }) => {
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  await registerNewUser(page, "dash");

  // The dashboard, open in its own tab, starts empty.
  const dashboard = await context.newPage();
  await dashboard.goto("/dashboard");
  await expect(dashboard.getByText("No activity yet")).toBeVisible();

  // A token for a script, made in Settings → Activity; the script has no cookie, only the token.
  await page.goto("/settings/activity");
  await page.getByLabel("New token for").fill("Budget script");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByText(/^hearth_ingest_/).textContent())?.trim() ?? "";
  expect(token).toMatch(/^hearth_ingest_/);
  const events = [
    purchase(1, 5, -82.4, "groceries", "Whole Foods"),
    purchase(2, 6, -12.5, "eating out", "Blue Bottle"),
    purchase(3, 13, -45, "groceries", "Trader Joe's"),
    purchase(4, 14, 2500, "salary", "Acme Payroll"),
    { event_id: "e2e-job", activity_type: "job", timestamp: "2026-10-07T09:00:00Z", application: "Chrome", description: "Applied: Engineer at Globex", details: { company: "Globex", role: "Engineer" } },
  ];
  const script = await playwright.request.newContext({ baseURL });
  const pushed = await script.post("/api/activities", { data: { events }, headers: { authorization: `Bearer ${token}` } });
  expect(await pushed.json()).toMatchObject({ stored: 5 });
  await script.dispose();

  // It arrives on the open dashboard without a reload.
  await expect(dashboard.getByRole("heading", { name: "Spending by category" })).toBeVisible();
  await expect(dashboard.getByRole("img", { name: /Spending by category per week/ })).toBeVisible();
  // chart.js loads after the page (BarChart.svelte): the bars must still be drawn, and the loading note must go.
  const spendingChart = dashboard.getByRole("img", { name: /Spending by category per week/ });
  await expect(spendingChart.getByText("Loading the chart…")).toHaveCount(0);
  await expect
    .poll(() => spendingChart.locator("canvas").evaluate((canvas: HTMLCanvasElement) => {
      const pixels = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
      return painted;
    }))
    .toBeGreaterThan(1000);
  const list = dashboard.getByRole("region", { name: "Activity" });
  await expect(list.getByRole("row")).toHaveCount(6); // header + 5

  // The numbers behind the spending chart: groceries in the week of Oct 5 is $82.40.
  await dashboard.getByText("Show as a table").first().click();
  await expect(dashboard.getByRole("cell", { name: "$82.40", exact: true })).toBeVisible();

  // Open Blue Bottle, move it to "coffee", and see the list say so.
  await list.getByRole("row", { name: /Blue Bottle/ }).click();
  const drawer = dashboard.getByRole("dialog", { name: "Activity details" });
  await expect(drawer.getByText("Blue Bottle").first()).toBeVisible();
  await drawer.getByLabel("Category").fill("coffee");
  await drawer.getByRole("button", { name: "Save" }).click();
  await expect(list.getByRole("row", { name: /Blue Bottle/ })).toContainText("coffee");
  await dashboard.keyboard.press("Escape");
  await expect(drawer).toHaveCount(0);

  // Filters live in the URL: Back returns to the unfiltered view.
  await dashboard.getByRole("textbox", { name: "Category" }).fill("groceries");
  await dashboard.getByRole("button", { name: "Apply" }).click();
  await expect(dashboard).toHaveURL(/category=groceries/);
  await expect(list.getByRole("row")).toHaveCount(3);
  await dashboard.goBack();
  await expect(list.getByRole("row")).toHaveCount(6);

  // The token, revoked in Settings, is refused.
  await page.getByRole("button", { name: "Revoke Budget script" }).click();
  await page.getByRole("button", { name: "Revoke", exact: true }).click();
  const again = await playwright.request.newContext({ baseURL });
  expect((await again.post("/api/activities", { data: { events }, headers: { authorization: `Bearer ${token}` } })).status()).toBe(401);
  await again.dispose();

  // "Delete all my activity" empties the dashboard.
  await page.getByRole("button", { name: "Delete all my activity" }).click();
  await page.getByRole("button", { name: "Delete all", exact: true }).click();
  await expect(page.getByText("Deleted 5 activities.")).toBeVisible();
  await dashboard.goto("/dashboard");
  await expect(dashboard.getByText("No activity yet")).toBeVisible();
});

test("drop a statement into the watched folder, see it on the chart and in the list, recategorise it, and see the chart follow", async ({ page, baseURL }) => {
  test.setTimeout(90_000);
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  await registerNewUser(page, "statement");

  // A real agent with the statements listener on, watching a temporary folder.
  const agent = new AgentProcess();
  const folder = join(agent.root, "Statements");
  mkdirSync(folder);
  writeFileSync(
    join(agent.home, "config.json"),
    JSON.stringify({
      filesystem: { roots: [agent.root] },
      local_endpoint: { port: 0 },
      listeners: { statements: { enabled: true, folder, rules: [{ match: "AMZN*", category: "shopping" }] } },
    }),
  );
  agent.run(["pair", "--server", baseURL, "--name", "Statements laptop"]);
  const [userCode] = await agent.waitFor(/[A-Z0-9]{4}-[A-Z0-9]{4}/);
  expect((await page.request.post("/api/pair/approve", { data: { user_code: userCode }, headers: { origin: baseURL } })).status()).toBe(200);
  expect(await agent.exited()).toBe(0);
  agent.run(["start"]);
  try {
    await agent.waitFor(/Connected to/);
    await page.goto("/dashboard");
    await expect(page.getByText("No activity yet")).toBeVisible();

    writeFileSync(join(folder, "october.ofx"), STATEMENT);
    const list = page.getByRole("region", { name: "Activity" });
    await expect(list.getByRole("row")).toHaveCount(4); // header + 3, arrived live
    await page.getByText("Show as a table").first().click();
    const spending = page.getByRole("figure").first();
    await expect(spending.getByRole("columnheader", { name: "shopping" })).toBeVisible();

    // Filter to the card's shopping, open the row, move it to "books": the chart follows.
    await page.getByRole("textbox", { name: "Category" }).fill("shopping");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(list.getByRole("row")).toHaveCount(2);
    await list.getByRole("row", { name: /AMZN/ }).click();
    const drawer = page.getByRole("dialog", { name: "Activity details" });
    await drawer.getByLabel("Category").fill("books");
    await drawer.getByRole("button", { name: "Save" }).click();
    await page.keyboard.press("Escape");
    await page.goto("/dashboard");
    await page.getByText("Show as a table").first().click();
    await expect(page.getByRole("figure").first().getByRole("columnheader", { name: "books" })).toBeVisible();
    await expect(page.getByRole("figure").first().getByRole("columnheader", { name: "shopping" })).toHaveCount(0);
  } finally {
    agent.kill("SIGTERM");
  }
});

test("activity on the same day and month of two years: the default all-time week view draws both, labelled by year", async ({ page, baseURL }) => {
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  await registerNewUser(page, "years");
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  const events = ["2020-01-06", "2025-01-06"].map((day) => ({
    event_id: `years-${day}`,
    activity_type: "financial",
    timestamp: `${day}T12:00:00Z`,
    application: "Bank statement",
    description: `Groceries on ${day}`,
    details: { amount: -20, currency: "USD", merchant: "Corner grocer", category: "groceries" },
  }));
  const pushed = await page.request.post("/api/activities", { data: { events }, headers: { origin: baseURL } });
  expect(await pushed.json()).toMatchObject({ stored: 2 });

  await page.goto("/dashboard");
  await expect(page.getByRole("heading", { name: "Timeline" })).toBeVisible();
  await expect(page.getByRole("img", { name: /All activity per week/ })).toBeVisible();
  const timeline = page.getByRole("figure").filter({ has: page.getByRole("img", { name: /All activity per week/ }) });
  await timeline.getByText("Show as a table").click();
  // Two rows, one per year: the labels carry the year because the activity spans more than one.
  const rows = timeline.getByRole("rowheader");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText("2020");
  await expect(rows.nth(1)).toContainText("2025");
  await expect(page.getByRole("region", { name: "Activity" }).getByRole("row")).toHaveCount(3);
  expect(errors).toEqual([]);
});

const STATEMENT = `OFXHEADER:100
DATA:OFXSGML
VERSION:102

<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD<BANKACCTFROM><ACCTID>9876</BANKACCTFROM>
<BANKTRANLIST>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261005<TRNAMT>-42.10<FITID>E2E-1<NAME>AMZN Mktp US</STMTTRN>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261006<TRNAMT>-5.00<FITID>E2E-2<NAME>Corner Cafe</STMTTRN>
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261007<TRNAMT>2500.00<FITID>E2E-3<NAME>Payroll</STMTTRN>
</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
`;

test("on a phone (390 px), every filter field shows its whole placeholder", async ({ page, baseURL }) => {
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  await page.setViewportSize({ width: 390, height: 844 });
  await registerNewUser(page, "filters-phone");
  const stored = await page.request.post("/api/activities", { data: { events: [purchase(1, 5, -12.5, "eating out", "Blue Bottle")] }, headers: { origin: baseURL } });
  expect(stored.ok()).toBe(true);
  await page.goto("/dashboard");
  const fields = page.getByRole("form", { name: "Filters" }).locator("input[placeholder]");
  await expect(fields.first()).toBeVisible();
  // Each placeholder, measured in its field's own font, fits the field's inner width (less a number field's
  // spinner): "Min amount" cut to "Min amoun" is what a narrow field showed.
  const cut = await fields.evaluateAll((inputs) =>
    inputs
      .filter((input): input is HTMLInputElement => input instanceof HTMLInputElement)
      .filter((input) => {
        const style = getComputedStyle(input);
        const context = document.createElement("canvas").getContext("2d");
        if (!context) return true;
        context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const inner = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - (input.type === "number" ? 16 : 0);
        return context.measureText(input.placeholder).width > inner;
      })
      .map((input) => input.placeholder),
  );
  expect(cut).toEqual([]);
});
