import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { coalesced, latestOnly, mergeNewest } from "./reload.ts";

describe("board reloads", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("reloads once after a burst of stored batches, not once a batch", () => {
    const run = vi.fn();
    const reload = coalesced(run, 2000);
    for (let i = 0; i < 40; i++) {
      reload.trigger();
      vi.advanceTimersByTime(100);
    }
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2000);
    expect(run).toHaveBeenCalledTimes(1);
    reload.trigger();
    reload.cancel();
    vi.advanceTimersByTime(5000);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it("shows only the latest answer", () => {
    const requests = latestOnly();
    const first = requests.next();
    const second = requests.next();
    expect(requests.current(first)).toBe(false);
    expect(requests.current(second)).toBe(true);
  });

  it("keeps the older pages the user loaded and takes the newest page's rows", () => {
    const row = (id: string, stage = "applied") => ({ id, stage });
    // 3 rows a page: the user loaded two pages (a..f); then "g" arrives and "b" moved on.
    const shown = ["a", "b", "c", "d", "e", "f"].map((id) => row(id));
    const newest = [row("g"), row("a"), row("b", "offer")];
    const merged = mergeNewest(shown, newest, false);
    expect(merged.map((r) => r.id)).toEqual(["g", "a", "b", "c", "d", "e", "f"]);
    expect(merged.find((r) => r.id === "b")?.stage).toBe("offer");
    // When the newest page is the whole list, a row that left it was deleted.
    expect(mergeNewest(shown.slice(0, 2), [row("a")], true).map((r) => r.id)).toEqual(["a"]);
  });
});
