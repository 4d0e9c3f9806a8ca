import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import type { UserRelay } from "../../../relay/src/user-relay.ts";
import { describe, expect, it } from "vitest";
import { errorOf, TestClient } from "../../../test/client.ts";
import { userWithDevice } from "../../../test/sockets.ts";

type Page = { commands: { id: string; created_at: number }[]; next_before: string | null };

async function signedIn() {
  const client = new TestClient();
  await client.register();
  const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
  return { client, userId: me.user.id };
}

/** Writes command records straight to D1, several in the same millisecond, as a busy relay would. */
async function seedCommands(userId: string, createdAts: number[]): Promise<string[]> {
  const ids: string[] = [];
  for (const at of createdAts) {
    const id = crypto.randomUUID();
    ids.push(id);
    await env.DB.prepare(
      "INSERT INTO commands (id, user_id, device_id, target, action, parameters, status, read_only, created_at, updated_at, deadline_at) VALUES (?, ?, 'dev', 'filesystem', 'list', '{}', 'done', 1, ?, ?, ?)",
    )
      .bind(id, userId, at, at, at + 60_000)
      .run();
  }
  return ids;
}

describe("GET /api/commands", () => {
  it("pages through commands that share a millisecond without skipping or repeating one", async () => {
    const { client, userId } = await signedIn();
    const ids = await seedCommands(userId, [1000, 2000, 2000, 2000, 2000, 2000, 3000]);

    const seen: string[] = [];
    let before: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/commands?limit=2${before ? `&before=${before}` : ""}`;
      const page: Page = await (await client.request("GET", url)).json();
      seen.push(...page.commands.map((c) => c.id));
      before = page.next_before;
      pages += 1;
    } while (before && pages < 10);

    expect(seen).toHaveLength(ids.length);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(seen[0]).toBe(ids[6]); // newest first
    expect(seen[6]).toBe(ids[0]);
  });

  it("refuses a cursor it did not hand out", async () => {
    const { client } = await signedIn();
    const response = await client.request("GET", "/api/commands?before=12345");
    expect(response.status).toBe(400);
    expect((await errorOf(response)).field).toBe("before");
  });
});

describe("GET /api/commands/:id", () => {
  it("finds a command the moment its dispatch is answered, and only for its owner", async () => {
    const { client, deviceId } = await userWithDevice();
    const dispatched = await client.request("POST", "/api/commands", { json: { device_id: deviceId, command: { target: "filesystem", action: "list", parameters: { path: "~" } } } });
    expect(dispatched.status).toBe(202);
    const { command }: { command: { id: string; status: string } } = await dispatched.json();

    const read = await client.request("GET", `/api/commands/${command.id}`);
    expect(read.status).toBe(200);
    const body: { command: { id: string; status: string; device_id: string } } = await read.json();
    expect(body.command).toMatchObject({ id: command.id, device_id: deviceId, status: command.status });

    const { client: stranger } = await signedIn();
    const refused = await stranger.request("GET", `/api/commands/${command.id}`);
    expect(refused.status).toBe(404);
    expect(await errorOf(refused)).toMatchObject({ code: "not_found" });
  });

  it("finds a command its relay holds before D1's mirror has it (the 202 does not wait for the mirror)", async () => {
    const { client, deviceId } = await userWithDevice();
    const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
    // In the relay's queue only, as between a 202 and the mirror's flush behind it.
    const id = crypto.randomUUID();
    await runInDurableObject(env.RELAY.getByName(me.user.id), (relay: UserRelay) => {
      const now = Date.now();
      relay.commands.insert({
        id,
        deviceId,
        status: "queued",
        command: { target: "filesystem", action: "list", parameters: { path: "~" } },
        readOnly: true,
        approval: { permission_id: null, kind: "always", expires_at: null },
        requestId: null,
        deadlineAt: now + 600_000,
        createdAt: now,
        retryOf: null,
      });
    });
    expect(await env.DB.prepare("SELECT id FROM commands WHERE id = ?").bind(id).first()).toBeNull();

    const read = await client.request("GET", `/api/commands/${id}`);
    expect(read.status).toBe(200);
    const body: { command: { id: string; status: string; device_id: string; seq: number | null } } = await read.json();
    expect(body.command).toMatchObject({ id, device_id: deviceId, status: "queued" });

    const { client: stranger } = await signedIn();
    expect((await stranger.request("GET", `/api/commands/${id}`)).status).toBe(404);
    expect((await client.request("GET", `/api/commands/${crypto.randomUUID()}`)).status).toBe(404);

    // D1 a step behind (queued) while the relay has moved on (sent): the relay's state is the answer.
    await env.DB.prepare(
      "INSERT INTO commands (id, user_id, device_id, target, action, parameters, status, read_only, created_at, updated_at, deadline_at) VALUES (?, ?, ?, 'filesystem', 'list', '{}', 'queued', 1, ?, ?, ?)",
    )
      .bind(id, me.user.id, deviceId, Date.now(), Date.now(), Date.now() + 60_000)
      .run();
    await runInDurableObject(env.RELAY.getByName(me.user.id), (relay: UserRelay) => relay.commands.move(id, "sent", Date.now()));
    const moved: { command: { status: string } } = await (await client.request("GET", `/api/commands/${id}`)).json();
    expect(moved.command.status).toBe("sent");

    // A finished command the relay no longer holds is D1's to answer.
    const [old] = await seedCommands(me.user.id, [Date.now() - 1000]);
    const done: { command: { id: string; status: string } } = await (await client.request("GET", `/api/commands/${old}`)).json();
    expect(done.command).toMatchObject({ id: old, status: "done" });
  });
});
