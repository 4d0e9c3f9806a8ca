import { expect, test } from "@playwright/test";
import { registerNewUser } from "./register.ts";

// Job applications end to end: one moved through the stages (its history shown in its details, an interview added
// and found on the calendar), and one left silent long enough that the hourly sweep asks "Follow up?", answered
// from the notification center.

/** A calendar day in the browser's (and this runner's) local zone, days from today, as YYYY-MM-DD: the date and
 * datetime-local inputs and the calendar are local, so a UTC day would be off by one near midnight. */
function localDay(days: number): string {
  const at = new Date();
  at.setDate(at.getDate() + days);
  return `${at.getFullYear()}-${String(at.getMonth() + 1).padStart(2, "0")}-${String(at.getDate()).padStart(2, "0")}`;
}
const dayBefore = (days: number) => localDay(-days);

test("move an application through the stages, see its history and interview, and answer a follow-up", async ({ page }) => {
  await registerNewUser(page, "jobs");
  await page.goto("/dashboard/applications");
  await expect(page.getByText("No applications yet")).toBeVisible();

  const add = async (company: string, role: string, appliedOn: string) => {
    await page.getByRole("button", { name: "Add an application" }).click();
    const form = page.getByRole("form", { name: "Add an application" });
    await form.getByLabel("Company").fill(company);
    await form.getByLabel("Role").fill(role);
    await form.getByLabel("Applied on").fill(appliedOn);
    await form.getByLabel("Résumé version sent").fill("2026 backend");
    await form.getByRole("button", { name: "Add application" }).click();
    await expect(form).toBeHidden();
  };
  await add("Initech", "Platform Engineer", dayBefore(2));
  await add("Umbrella", "Backend Engineer", dayBefore(14));
  await expect(page.getByRole("region", { name: "applied (2)" })).toContainText("Umbrella");

  // Initech: on to assessment from the card, then to interview from its details, where the history is kept.
  await page.getByRole("button", { name: "Move Initech on to assessment" }).click();
  await expect(page.getByRole("region", { name: "assessment (1)" })).toContainText("Initech");
  await page.getByRole("button", { name: "Initech Platform Engineer" }).click();
  const drawer = page.getByRole("dialog", { name: "Application details" });
  // Notes typed but not saved yet survive a stage move and a new interview; a move is not shown as an error.
  await drawer.getByLabel("Notes").fill("Ask about the stapler");
  await drawer.getByLabel("Stage").selectOption("interview");
  const history = drawer.getByRole("region", { name: "History" });
  await expect(history.getByRole("listitem")).toHaveText([/Started at applied/, /applied → assessment/, /assessment → interview/]);
  await expect(drawer.getByRole("form", { name: "Application details" }).getByText("Moved to interview.", { exact: true })).toBeVisible();
  await expect(drawer.getByRole("alert")).toHaveCount(0);
  await expect(drawer.getByLabel("Notes")).toHaveValue("Ask about the stapler");
  await expect(drawer.getByLabel("Résumé version sent")).toHaveValue("2026 backend");

  // An interview tomorrow at 10:00 (the browser's zone), and a contact with a mistyped e-mail that is caught.
  await drawer.getByRole("button", { name: "Add an interview" }).click();
  await expect(drawer.getByLabel("Date and time")).toBeFocused();
  await drawer.getByLabel("Date and time").fill(`${localDay(1)}T10:00`);
  await drawer.getByLabel("Where (address or meeting link)").fill("https://meet.example/initech");
  await drawer.getByRole("button", { name: "Add interview" }).click();
  await expect(drawer.getByRole("region", { name: "Interviews" }).getByRole("link", { name: /\.ics/ })).toBeVisible();
  await expect(drawer.getByRole("button", { name: "Add an interview" })).toBeFocused();
  await expect(drawer.getByLabel("Notes")).toHaveValue("Ask about the stapler");
  await drawer.getByRole("button", { name: "Add a contact" }).click();
  await drawer.getByLabel("Contact 1 name").fill("Bill Lumbergh");
  await drawer.getByLabel("Contact 1 e-mail").fill("bill-at-initech");
  await drawer.getByRole("button", { name: "Save details" }).click();
  await expect(drawer.getByText("That is not an e-mail address.")).toBeVisible();
  await drawer.getByLabel("Contact 1 e-mail").fill("bill@initech.example");
  await drawer.getByRole("button", { name: "Save details" }).click();
  await expect(drawer.getByRole("form", { name: "Application details" }).getByText("Saved.", { exact: true })).toBeVisible();
  await drawer.getByRole("button", { name: "Close details" }).click();
  const interviewing = page.getByRole("region", { name: "interview (1)" });
  await expect(interviewing).toContainText(/Interview .*10:00/);

  // The calendar shows it on tomorrow, and offers the .ics.
  await page.getByRole("link", { name: "Interview calendar" }).click();
  await expect(page.getByRole("heading", { name: "Interview calendar" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Export upcoming (.ics)" })).toBeVisible();
  const grid = page.getByRole("grid");
  await grid.getByRole("gridcell", { selected: true }).focus();
  await page.keyboard.press("ArrowRight");
  await expect(grid.getByRole("gridcell", { selected: true })).toHaveAccessibleName(/1 interview/);
  await expect(page.getByRole("listitem").filter({ hasText: "Initech" })).toContainText("video interview");

  // The hourly sweep runs: Umbrella, silent for 14 days, asks to be followed up (once), and is marked ghosted.
  for (let i = 0; i < 2; i++) expect((await page.request.get("/cdn-cgi/local/scheduled?cron=41+*+*+*+*")).status()).toBe(200);
  await page.goto("/notifications");
  const actions = page.getByRole("group", { name: "Actions for Follow up with Umbrella?" });
  await expect(actions).toHaveCount(1);
  await actions.getByRole("button", { name: "Mark ghosted" }).click();
  await expect(page.getByText("Marked Umbrella as ghosted.").first()).toBeVisible();
  await page.goto("/dashboard/applications");
  await expect(page.getByRole("region", { name: "closed (1)" })).toContainText("Umbrella");
  await expect(page.getByRole("region", { name: "closed (1)" })).toContainText("ghosted");
});
