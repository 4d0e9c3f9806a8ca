import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import type { Page } from "@playwright/test";
import { pairAndStart } from "./paired-agent.ts";
import { registerNewUser } from "./register.ts";

// Notifications end to end: a real agent runs real commands through the real worker and relay under
// `wrangler dev`, and two tabs of one user watch the bell, the toasts and the notification center follow along.

const bell = (page: Page, unread: number) => page.getByRole("link", { name: `Notifications, ${unread} unread`, exact: true });
const toast = (page: Page, title: string) => page.getByRole("group", { name: title, exact: true });

test("the bell rises live in two tabs, toasts act in place, and the center marks all read everywhere", async ({ page, context, baseURL }) => {
  test.setTimeout(150_000);
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  await registerNewUser(page, "notify");
  const { agent, deviceId } = await pairAndStart(page, baseURL, "Notify laptop");
  const post = (path: string, data: unknown) => page.request.post(path, { data, headers: { origin: baseURL } });
  const dispatch = async (action: string, parameters: Record<string, string>) => {
    const answer = await post("/api/commands", { device_id: deviceId, command: { target: "filesystem", action, parameters } });
    expect(answer.status(), await answer.text()).toBeLessThan(300);
  };
  try {
    // Listing and reading run without asking; writing still asks.
    for (const action of ["list", "read"]) expect((await post("/api/permissions", { target: "filesystem", action, effect: "allow" })).status()).toBe(201);

    // A second tab, on the notification center, with nothing in it yet. Both tabs are live.
    const other = await context.newPage();
    await other.goto("/notifications");
    await expect(other.getByText("You're all caught up")).toBeVisible();
    for (const tab of [page, other]) {
      await expect(tab.getByTitle("Live updates are on")).toBeVisible();
      await expect(bell(tab, 0)).toBeVisible();
    }

    // A command finishes: the count rises in both tabs without a reload, and the center lists it on top.
    await dispatch("list", { path: agent.root });
    await expect(bell(page, 1)).toBeVisible({ timeout: 20_000 });
    await expect(bell(other, 1)).toBeVisible();
    await expect(other.getByRole("heading", { name: "Unread: Done: filesystem.list" })).toBeVisible();

    // Failed commands become high priority, set through Settings → Notifications.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
    await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Notifications" }).click();
    const failedRule = page.getByRole("group", { name: "Commands failed", exact: true });
    await expect(failedRule.getByLabel("Priority", { exact: true })).toHaveValue("normal");
    await failedRule.getByLabel("Priority", { exact: true }).selectOption("high");
    await expect(failedRule.getByText("Reaches you in the app, with a toast and by webhook.")).toBeVisible();
    await expect(page.getByText("You have unsaved changes.")).toBeVisible();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect(page.getByText("Saved.")).toBeVisible();

    // A read of a file that isn't there fails: its toast pops up, and Retry runs it again in place.
    const missing = join(agent.root, "missing.txt");
    await dispatch("read", { path: missing });
    // Newest toasts go on top, so the last one with this title stays the first failure's.
    const failed = toast(page, "Failed: filesystem.read").last();
    await expect(failed).toBeVisible({ timeout: 20_000 });
    await expect(failed).toContainText("missing.txt");
    await expect(bell(page, 2)).toBeVisible();
    await failed.getByRole("button", { name: "Retry" }).click();
    await expect(failed.getByRole("status")).toHaveText("Retrying filesystem.read.");
    // The retry fails the same way: a second failure arrives, in the other tab's list and on both bells.
    await expect(other.getByRole("heading", { name: /Failed: filesystem\.read$/ })).toHaveCount(2, { timeout: 20_000 });
    await expect(bell(page, 2)).toBeVisible();
    await expect(bell(other, 2)).toBeVisible();

    // The center filters by kind (kept in the URL), and "Mark all read" clears the bell in both tabs.
    await page.getByRole("link", { name: "Notifications, 2 unread" }).click();
    await page.getByLabel("Kind").selectOption({ label: "Commands failed" });
    await expect(page).toHaveURL(/\/notifications\?kind=command_failed$/);
    const list = page.getByRole("list", { name: "Notifications list" });
    await expect(list.getByRole("listitem")).toHaveCount(2);
    await expect(list.getByText("Done: filesystem.list")).toHaveCount(0);
    await page.getByRole("group", { name: "Show" }).getByRole("button", { name: "Unread" }).click();
    await expect(list.getByRole("listitem")).toHaveCount(1);
    await page.getByRole("button", { name: "Mark all read" }).click();
    await expect(page.getByText("You're all caught up")).toBeVisible();
    await expect(bell(page, 0)).toBeVisible();
    await expect(bell(other, 0)).toBeVisible();
    await expect(other.getByRole("heading", { name: /^Unread:/ })).toHaveCount(0);

    // A write asks for permission: the toast's "Allow once" answers it, the prompt leaves, the agent writes the file.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Chat" }).click();
    const note = join(agent.root, "from-a-toast.txt");
    await dispatch("write", { path: note, content: "written after a toast said yes\n" });
    const asking = toast(page, "Permission needed: filesystem.write");
    await expect(asking).toBeVisible({ timeout: 20_000 });
    await expect(page.getByRole("alertdialog")).toContainText("wants to write filesystem");
    await asking.getByRole("button", { name: "Allow once" }).click();
    await expect(asking.getByRole("status")).toHaveText("Allowed once: filesystem.write.");
    await expect(page.getByRole("alertdialog")).toHaveCount(0);
    await expect(other.getByRole("alertdialog")).toHaveCount(0);
    await expect.poll(() => existsSync(note) && readFileSync(note, "utf8"), { timeout: 20_000 }).toBe("written after a toast said yes\n");
    // The write's own "done" arrives, and the other tab's center says the request is answered.
    await expect(other.getByRole("heading", { name: "Unread: Done: filesystem.write" })).toBeVisible({ timeout: 20_000 });
    const request = other.getByRole("listitem").filter({ hasText: "Permission needed: filesystem.write" });
    await expect(request.getByText("Already answered.")).toBeVisible();
    await expect(request.getByRole("button", { name: "Allow once" })).toHaveCount(0);
    await other.close();
  } finally {
    agent.kill("SIGTERM");
  }
});
