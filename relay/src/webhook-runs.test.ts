import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PRIORITIES } from "#protocol";
import type { Priority } from "#protocol";
import { SendBook } from "./webhook-runs.ts";

// The bookkeeping that keeps overlapping send runs from sending a delivery twice: each run's query may read a
// delivery as pending while another run sends or records it; `take` must leave such rows out.

const row = (id: string, priority: Priority = "normal") => ({ id, priority });

describe("SendBook", () => {
  it("never gives a delivery to two runs, whichever order their queries and records come in", () => {
    // A model of D1 (pending ids) and several runs: each run queries (reads the pending set then), later takes,
    // sends, records (removes from the pending set). Every interleaving must send each delivery at most once.
    const step = fc.record({ run: fc.integer({ min: 0, max: 3 }), op: fc.constantFrom("query", "take", "record") });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const book = new SendBook();
        const pending = new Set(["a", "b", "c", "d"]);
        const sent = new Map<string, number>();
        const runs = new Map<number, { tick: number; read: string[] } | { taken: string[] }>();
        for (const { run, op } of steps) {
          const state = runs.get(run);
          if (op === "query" && state === undefined) {
            const { tick, exclude } = book.beginQuery();
            runs.set(run, { tick, read: [...pending].filter((id) => !exclude.includes(id)) });
          } else if (op === "take" && state && "tick" in state) {
            const taken = book.take(state.tick, state.read.map((id) => row(id))).map((r) => r.id);
            for (const id of taken) sent.set(id, (sent.get(id) ?? 0) + 1);
            runs.set(run, { taken });
          } else if (op === "record" && state && "taken" in state) {
            for (const id of state.taken) pending.delete(id);
            book.recorded(state.taken);
            runs.delete(run);
          }
        }
        expect([...sent.values()].every((n) => n === 1)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("leaves out a delivery recorded after the query began, and takes one recorded before", () => {
    const book = new SendBook();
    const first = book.beginQuery();
    const [taken] = book.take(first.tick, [row("a")]);
    expect(taken?.id).toBe("a");
    const late = book.beginQuery(); // reads "a" as still pending
    expect(late.exclude).toEqual(["a"]);
    book.recorded(["a"]);
    expect(book.take(late.tick, [row("a")])).toEqual([]);
    const after = book.beginQuery(); // began after the record: D1 no longer says pending, and a retry may be due
    expect(book.take(after.tick, [row("a")])).toEqual([row("a")]);
  });

  it("holds a lower priority until another run's higher-priority POSTs are done, and never waits on itself", async () => {
    const book = new SendBook();
    book.posting("urgent-1", "urgent");
    let started = false;
    const low = book.higherSettled("low").then(() => (started = true));
    await book.higherSettled("urgent"); // nothing higher than urgent is on its way
    await Promise.resolve();
    expect(started).toBe(false);
    book.posted("urgent-1");
    await low;
    expect(started).toBe(true);
    expect(PRIORITIES.indexOf("urgent")).toBeGreaterThan(PRIORITIES.indexOf("low"));
  });
});
