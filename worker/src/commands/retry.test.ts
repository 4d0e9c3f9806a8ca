import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { userWithDevice } from "../../../test/sockets.ts";
import type { UserRelay } from "../../../relay/src/user-relay.ts";

// A retry reads the command it repeats. D1's copy lags the relay by a flush, so a retry pressed right after a
// failure must find the command failed (in the relay), not "still going" (in D1).

describe("retrying a command", () => {
  it("finds a command that failed in the relay before D1 caught up, and queues it again", async () => {
    const { client, deviceId } = await userWithDevice();
    const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
    const dispatched = await client.request("POST", "/api/commands", { json: { device_id: deviceId, command: { target: "filesystem", action: "list", parameters: { path: "~/x" } } } });
    expect(dispatched.status).toBe(202);
    const { command }: { command: { id: string } } = await dispatched.json();
    await expect.poll(async () => (await env.DB.prepare("SELECT status FROM commands WHERE id = ?").bind(command.id).first<{ status: string }>())?.status).toBe("awaiting_permission");
    // The relay ends it; its mirror to D1 has not gone out yet.
    await runInDurableObject(env.RELAY.getByName(me.user.id), (relay: UserRelay) => {
      relay.queue.commands.move(command.id, "failed", Date.now(), { error: { code: "denied_by_user", message: "You denied this command." } });
    });
    expect((await env.DB.prepare("SELECT status FROM commands WHERE id = ?").bind(command.id).first<{ status: string }>())?.status).toBe("awaiting_permission");

    const retried = await client.request("POST", `/api/commands/${command.id}/retry`);
    expect(retried.status).toBe(202);
    const body: { command: { id: string; retry_of: string; parameters: unknown } } = await retried.json();
    expect(body.command).toMatchObject({ retry_of: command.id, parameters: { path: "~/x" } });
    expect(body.command.id).not.toBe(command.id);
  });

  it("refuses a command that is still going, and one that does not exist", async () => {
    const { client, deviceId } = await userWithDevice();
    const dispatched = await client.request("POST", "/api/commands", { json: { device_id: deviceId, command: { target: "filesystem", action: "list", parameters: { path: "~" } } } });
    const { command }: { command: { id: string } } = await dispatched.json();
    expect((await client.request("POST", `/api/commands/${command.id}/retry`)).status).toBe(409);
    expect((await client.request("POST", `/api/commands/${crypto.randomUUID()}/retry`)).status).toBe(404);
  });
});
