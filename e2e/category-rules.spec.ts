import { expect, test } from "@playwright/test";
import { registerNewUser } from "./register.ts";

// Categories that learn: a correction in the activity drawer becomes a rule in one click, the rule is applied to
// past transactions after a count, later arrivals are filed by it, and Settings → Activity lists, edits, moves and
// deletes rules. The bank writes the till number into the merchant, so every payment's text differs; the rule made in
// one click names the merchant ("Corner Cafe") and files them all. Each step leaves the keyboard on the next control.

const cafe = (n: number, day: string, amount: number) => ({
  event_id: `e2e-cafe-${n}`,
  activity_type: "financial",
  timestamp: `${day}T08:30:00Z`,
  application: "Bank statement",
  description: `CORNER CAFE card payment ${n}`,
  details: { amount, currency: "EUR", merchant: `CORNER CAFE ${4100 + n} UTRECHT` },
});

test("correct a category, make it a rule in one click, apply it to past rows, and manage rules in Settings", async ({ page }) => {
  await registerNewUser(page, "rules");
  const events = [
    cafe(1, "2026-08-03", -3.2),
    cafe(2, "2026-08-17", -4.1),
    cafe(3, "2026-09-02", -3.8),
    cafe(4, "2026-09-21", -2.9),
    cafe(5, "2026-10-06", -3.5),
    { event_id: "e2e-rent", activity_type: "financial", timestamp: "2026-10-01T08:00:00Z", application: "Bank statement", details: { amount: -900, currency: "EUR", merchant: "Landlord", category: "Housing" } },
  ];
  const pushed = await page.request.post("/api/activities", { data: { events } });
  expect(await pushed.json()).toMatchObject({ stored: 6 });

  await page.goto("/dashboard");
  const list = page.getByRole("region", { name: "Activity" });
  await expect(list.getByRole("row", { name: /corner cafe/i })).toHaveCount(5);

  // Correct the newest one to "Coffee" in the drawer; the offer appears.
  await list.getByRole("row", { name: /payment 5/ }).click();
  const drawer = page.getByRole("dialog", { name: "Activity details" });
  await drawer.getByLabel("Category").fill("Coffee");
  await drawer.getByRole("button", { name: "Save" }).click();
  await drawer.getByRole("button", { name: "Always put Corner Cafe in Coffee" }).click();
  await expect(drawer.getByRole("status").filter({ hasText: "Rule saved: Corner Cafe → Coffee." })).toBeVisible();
  // The dry run counted the four older ones (other tills); nothing changed yet. The keyboard is on the next step.
  await expect(list.getByRole("row", { name: /Coffee/ })).toHaveCount(1);
  await expect(drawer.getByRole("button", { name: "Apply to 4 past transactions" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(drawer.getByText("Changed 4 past transactions to Coffee.")).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(drawer).toHaveCount(0);
  await expect(list.getByRole("row", { name: /corner cafe/i }).filter({ hasText: "Coffee" })).toHaveCount(5);
  await expect(list.getByRole("row", { name: /Landlord/ })).toContainText("Housing");

  // A later payment arrives already filed.
  const later = await page.request.post("/api/activities", { data: { events: [cafe(6, "2026-10-20", -3.3)] } });
  expect(await later.json()).toMatchObject({ stored: 1 });
  const stored = await (await page.request.get("/api/activities?type=financial&q=payment%206")).json();
  expect(stored.activities[0]).toMatchObject({ merchant: "CORNER CAFE 4106 UTRECHT", category: "Coffee" });

  // Settings → Activity lists it; add another, move it to the top, edit it, apply it after a count, delete it.
  await page.goto("/settings/activity");
  const rules = page.getByRole("region", { name: "Category rules" });
  await expect(rules.getByRole("listitem")).toHaveCount(1);
  await expect(rules.getByRole("listitem").first()).toContainText(/Merchant is\s*Corner Cafe\s*→.*Coffee/);
  const form = rules.getByRole("form", { name: "Add a category rule" });
  await form.getByLabel("When", { exact: true }).selectOption({ label: "Text contains" });
  await form.getByLabel("Pattern", { exact: true }).fill("card payment 1");
  await form.getByLabel("Category", { exact: true }).fill("Treats");
  await form.getByRole("button", { name: "Add rule" }).click();
  await expect(rules.getByRole("listitem")).toHaveCount(2);
  await rules.getByRole("button", { name: "Move Text contains “card payment 1” → Treats up" }).click();
  await expect(rules.getByRole("listitem").first()).toContainText("card payment 1");
  // The focus stays on the moved rule's button, so keyboard users can keep going.
  await expect(page.getByRole("button", { name: "Move Text contains “card payment 1” → Treats down" })).toBeFocused();
  await rules.getByRole("button", { name: "Edit Text contains “card payment 1” → Treats" }).click();
  await expect(rules.getByRole("form", { name: "Edit rule 1" }).getByRole("textbox", { name: "Pattern" })).toBeFocused();
  await rules.getByRole("form", { name: "Edit rule 1" }).getByRole("textbox", { name: "Category" }).fill("Little treats");
  await rules.getByRole("form", { name: "Edit rule 1" }).getByRole("button", { name: "Save" }).click();
  await expect(rules.getByRole("listitem").first()).toContainText("Little treats");
  await expect(rules.getByRole("button", { name: "Edit Text contains “card payment 1” → Little treats" })).toBeFocused();
  await rules.getByRole("button", { name: "Apply “card payment 1” to past transactions" }).click();
  // Row 1 is Coffee by the applied rule (not a hand correction), so it changes without the overwrite box. Ticking
  // the box counts again, and the keyboard stays on it.
  const change = rules.getByRole("button", { name: "Change 1 past transaction to Little treats" });
  await expect(change).toBeFocused();
  const overwrite = rules.getByRole("checkbox", { name: "Also change ones I corrected by hand" });
  await overwrite.focus();
  await page.keyboard.press("Space");
  await expect(overwrite).toBeChecked();
  await expect(change).toBeVisible();
  await expect(overwrite).toBeFocused();
  await change.click();
  await expect(rules.getByText("Changed 1 past transaction.")).toBeFocused();
  await rules.getByRole("button", { name: "Delete Text contains “card payment 1” → Little treats" }).click();
  await rules.getByRole("button", { name: "Delete", exact: true }).click();
  await expect(rules.getByRole("listitem")).toHaveCount(1);
  await expect(rules.getByRole("button", { name: "Edit Merchant is “Corner Cafe” → Coffee" })).toBeFocused();

  await page.goto("/dashboard");
  await expect(page.getByRole("region", { name: "Activity" }).getByRole("row", { name: /payment 1\b/ })).toContainText("Little treats");
});
