import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TestClient } from "../../test/client.ts";
import { D1Sync } from "./d1-sync.ts";
import { openStorage } from "./storage/index.ts";
import type { AuditLine } from "./d1-sync.ts";
import type { QueuedCommand } from "./command-store.ts";

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

  it("records a batch in one write, each entry with its own number, in order, and adds each line once across a restart", async () => {
    const client = new TestClient();
    await client.register();
    const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
    const userId = me.user.id;
    const many = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ kind: "audit" as const, audit: line(`line ${from + i}`) }));

    await runInDurableObject(env.RELAY.getByName(userId), async (_relay, state) => {
      const first = new D1Sync(openStorage(state.storage), env.DB, userId);
      first.record({ kind: "audit", audit: line("line 0") });
      first.recordMany(many(1, 150));
      expect(first.pending()).toBe(151);
      // A restart before any flush: the batch's rows are in SQLite, each on its own, in order.
      const second = new D1Sync(openStorage(state.storage), env.DB, userId);
      expect(second.pending()).toBe(151);
      await second.flush();
      // Another restart before the copied rows are deleted copies them again; a batch recorded after is added too.
      const third = new D1Sync(openStorage(state.storage), env.DB, userId);
      third.recordMany(many(151, 152));
      await third.flush();
    });

    const rows = await env.DB.prepare("SELECT summary, relay_seq FROM audit_log WHERE user_id = ? AND kind = 'test.outbox' ORDER BY relay_seq").bind(userId).all();
    expect(rows.results.map((row) => row.summary)).toEqual(Array.from({ length: 153 }, (_, i) => `line ${i}`));
    expect(new Set(rows.results.map((row) => row.relay_seq)).size).toBe(153);
  });

  it("writes a command once per flush in its last state, keeps every audit line, and never goes back to an older state", async () => {
    const client = new TestClient();
    await client.register();
    const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
    const userId = me.user.id;
    const t = Date.now();
    const base: QueuedCommand = {
      id: crypto.randomUUID(),
      deviceId: "device-1",
      seq: 1,
      status: "queued",
      command: { target: "filesystem", action: "list", parameters: { path: "~" } },
      readOnly: true,
      approval: { permission_id: null, kind: "always", expires_at: null },
      requestId: null,
      deadlineAt: t + 60_000,
      createdAt: t,
      updatedAt: t,
      retryOf: null,
      result: undefined,
      error: null,
    };
    const state = (status: QueuedCommand["status"], at: number, extra: Partial<QueuedCommand> = {}): QueuedCommand => ({ ...base, status, updatedAt: at, ...extra });
    const move = (command: QueuedCommand) => ({ kind: "command" as const, command, audit: { ...line(`${command.status}`), commandId: command.id } });
    const row = () => env.DB.prepare("SELECT status, result, updated_at FROM commands WHERE id = ?").bind(base.id).first();
    const audit = async () => (await env.DB.prepare("SELECT summary FROM audit_log WHERE user_id = ? AND kind = 'test.outbox' ORDER BY id").bind(userId).all()).results.map((r) => r.summary);

    await runInDurableObject(env.RELAY.getByName(userId), async (_relay, storage) => {
      const sync = new D1Sync(openStorage(storage.storage), env.DB, userId);
      sync.record(move(state("queued", t)));
      sync.record(move(state("sent", t + 1)));
      sync.record(move(state("acked", t + 2)));
      sync.record(move(state("done", t + 3, { result: { entries: ["a"] } })));
      await sync.flush();
      expect(await row()).toEqual({ status: "done", result: JSON.stringify({ entries: ["a"] }), updated_at: t + 3 });
      expect(await audit()).toEqual(["queued", "sent", "acked", "done"]);

      // A restart copies the same entries again, and a stale state arrives late: still one row, done.
      const again = new D1Sync(openStorage(storage.storage), env.DB, userId);
      expect(again.pending()).toBe(4);
      await again.flush();
      again.record(move(state("acked", t + 2)));
      await again.flush();
    });
    expect(await row()).toMatchObject({ status: "done", updated_at: t + 3 });
    expect(await audit()).toEqual(["queued", "sent", "acked", "done", "acked"]);
  });
});
