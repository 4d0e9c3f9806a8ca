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

test("the bell rises live in two tabs, toasts act in place, answered requests show their outcome everywhere, and the center marks all read", async ({ page, context, baseURL }) => {
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

    // A command finishes: a routine success is quiet by default, so neither tab counts it nor lists it.
    const listed = await post("/api/commands", { device_id: deviceId, command: { target: "filesystem", action: "list", parameters: { path: agent.root } } });
    const { command: listing }: { command: { id: string } } = await listed.json();
    await expect.poll(async () => ((await (await page.request.get(`/api/commands/${listing.id}`)).json()) as { command: { status: string } }).command.status, { timeout: 20_000 }).toBe("done");
    await expect(bell(page, 0)).toBeVisible();
    await expect(bell(other, 0)).toBeVisible();
    await expect(other.getByText("You're all caught up")).toBeVisible();

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
    await expect(bell(page, 1)).toBeVisible();
    await failed.getByRole("button", { name: "Retry" }).click();
    await expect(failed.getByRole("status")).toHaveText("Retrying filesystem.read.");
    // The retry fails the same way: a second failure arrives, in the other tab's list and on both bells.
    await expect(other.getByRole("heading", { name: /Failed: filesystem\.read$/ })).toHaveCount(2, { timeout: 20_000 });
    await expect(bell(page, 1)).toBeVisible();
    await expect(bell(other, 1)).toBeVisible();

    // The center filters by kind (kept in the URL), and "Mark all read" clears the bell in both tabs.
    await page.getByRole("link", { name: "Notifications, 1 unread" }).click();
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

    // A write asks for permission. The prompt shows it on every page, so it is not shown twice: no toast, and
    // nothing unread; the center lists it (already read) with its buttons.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Chat" }).click();
    const note = join(agent.root, "from-the-center.txt");
    await dispatch("write", { path: note, content: "written after the center said yes\n" });
    await expect(page.getByRole("alertdialog")).toContainText("wants to write filesystem", { timeout: 20_000 });
    const request = other.getByRole("listitem").filter({ hasText: "Permission needed: filesystem.write" });
    await expect(request.getByRole("button", { name: "Allow once" })).toBeVisible();
    await expect(toast(page, "Permission needed: filesystem.write")).toHaveCount(0);
    await expect(bell(page, 0)).toBeVisible();

    // Answered in the center of the other tab: the prompt leaves, the agent writes the file.
    await request.getByRole("button", { name: "Allow once" }).click();
    await expect(request.getByRole("status")).toHaveText("Allowed once: filesystem.write.");
    await expect(page.getByRole("alertdialog")).toHaveCount(0);
    await expect.poll(() => existsSync(note) && readFileSync(note, "utf8"), { timeout: 20_000 }).toBe("written after the center said yes\n");

    // A request denied in the prompt: the center of the other tab says so at once, with no buttons, and after a
    // reload too (the server settled it, not just this tab).
    await dispatch("write", { path: join(agent.root, "never.txt"), content: "no\n" });
    const prompt = page.getByRole("alertdialog");
    await expect(prompt).toContainText("never.txt", { timeout: 20_000 });
    const denied = other.getByRole("listitem").filter({ hasText: "never.txt" });
    await expect(denied.getByRole("button", { name: "Deny" })).toBeVisible();
    await prompt.getByRole("button", { name: "Deny" }).click();
    await expect(denied.getByText("Denied: filesystem.write.")).toBeVisible();
    await expect(denied.getByRole("button")).toHaveText(["Dismiss"]);
    await other.reload();
    const reloaded = other.getByRole("listitem").filter({ hasText: "never.txt" });
    await expect(reloaded.getByText("Denied: filesystem.write.")).toBeVisible();
    await expect(reloaded.getByRole("button", { name: "Allow once" })).toHaveCount(0);
    await expect(reloaded.getByRole("button", { name: "Deny" })).toHaveCount(0);
    await other.close();
  } finally {
    agent.kill("SIGTERM");
  }
});
