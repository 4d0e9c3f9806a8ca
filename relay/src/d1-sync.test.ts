import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TestClient } from "../../test/client.ts";
import { D1Sync } from "./d1-sync.ts";
import { openStorage } from "./storage/index.ts";
import type { AuditLine } from "./d1-sync.ts";

// The relay's outbox to D1, over a real relay's SQLite and the real D1: a relay that restarts before it has
// deleted what it already copied copies those entries again, and the audit log still has each line once.

const line = (summary: string): AuditLine => ({ kind: "test.outbox", summary, deviceId: null, commandId: null });

describe("D1Sync", () => {
  it("adds each audit line once, though a restart copies entries again", async () => {
    const client = new TestClient();
    await client.register();
    const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
    const userId = me.user.id;

    await runInDurableObject(env.RELAY.getByName(userId), async (_relay, state) => {
      const first = new D1Sync(openStorage(state.storage), env.DB, userId);
      first.record({ kind: "audit", audit: line("one") });
      first.record({ kind: "audit", audit: line("two") });
      await first.flush();
      expect(first.pending()).toBe(0);

      // A restart now: the copied rows are still in SQLite (the next record would have deleted them).
      const second = new D1Sync(openStorage(state.storage), env.DB, userId);
      expect(second.pending()).toBe(2);
      await second.flush();
      second.record({ kind: "audit", audit: line("three") });
      await second.flush();

      const third = new D1Sync(openStorage(state.storage), env.DB, userId);
      expect(third.pending()).toBe(1); // "three": copied, not yet deleted
      await third.flush();
    });

    const rows = await env.DB.prepare("SELECT summary FROM audit_log WHERE user_id = ? AND kind = 'test.outbox' ORDER BY id").bind(userId).all();
    expect(rows.results.map((row) => row.summary)).toEqual(["one", "two", "three"]);
  });
});
