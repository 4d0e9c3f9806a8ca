import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { TestClient } from "../../../test/client.ts";
import { connectAgent, openBrowserSocket, userWithDevice } from "../../../test/sockets.ts";
import type { TestSocket } from "../../../test/sockets.ts";
import { SseReader } from "../../../test/sse.ts";

type Message = { id: string; role: string; content: string; status: string; command_ids: string[] };

async function newChat(client: TestClient): Promise<string> {
  const response = await client.request("POST", "/api/chats", { json: {} });
  return ((await response.json()) as { chat: { id: string } }).chat.id;
}

async function send(client: TestClient, chatId: string, content: string, extra: Record<string, unknown> = {}): Promise<SseReader> {
  const response = await client.request("POST", `/api/chats/${chatId}/messages`, { json: { content, ...extra } });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  return new SseReader(response);
}

async function history(client: TestClient, chatId: string): Promise<Message[]> {
  return ((await (await client.request("GET", `/api/chats/${chatId}/messages`)).json()) as { messages: Message[] }).messages;
}

/** Follows a reply's stream after event `after` (a turn that waits for permission ends its streams). */
async function follow(client: TestClient, chatId: string, replyId: string, after: number): Promise<SseReader> {
  const response = await client.request("GET", `/api/chats/${chatId}/messages/${replyId}/stream`, { headers: { "last-event-id": String(after) } });
  expect(response.status).toBe(200);
  return new SseReader(response);
}

/** Answers the next command frame like an agent that listed a folder. */
async function answerList(agent: TestSocket, names: string[]) {
  const command = await agent.next("command");
  agent.send({ v: 1, type: "ack", id: crypto.randomUUID(), ref: command.id });
  const entries = names.map((name) => ({ name, type: "file", size: 1, modified_at: 0 }));
  agent.send({
    v: 1,
    type: "result",
    id: crypto.randomUUID(),
    command_id: command.id,
    outcome: { status: "done", data: { path: "~/Documents", entries, total: entries.length, truncated: false } },
    started_at: Date.now(),
    finished_at: Date.now(),
  });
  return command;
}

describe("a chat turn", () => {
  it("answers help with no model configured, streams it, and stores both messages", async () => {
    const { client } = await userWithDevice();
    const chatId = await newChat(client);
    const stream = await send(client, chatId, "/help");
    const events = await stream.all();
    expect(events.map((e) => e.event)).toEqual(["turn", "state", "token", "done"]);
    expect(events.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    // sending (in the browser) → sent (stored) → delivered (the assistant has it) → read (answered)
    expect((events[0]?.data.user_message as Message).status).toBe("delivered");
    // Only what the device offers (list, read, write: TEST_CONNECTORS): no /run, /launch or /open it cannot do.
    expect(stream.text()).toContain("/ls <folder>");
    expect(stream.text()).toContain("/cat <file>");
    expect(stream.text()).toContain("create a file todo.txt that says buy milk");
    for (const usage of ["/run", "/launch", "/open", "/find", "/trash"]) expect(stream.text()).not.toContain(usage);
    const stored = await history(client, chatId);
    expect(stored.map((m) => [m.role, m.status])).toEqual([
      ["user", "read"],
      ["assistant", "sent"],
    ]);
    expect(stored[1]?.content).toBe(stream.text());
    const chats: { chats: { title: string }[] } = await (await client.request("GET", "/api/chats")).json();
    expect(chats.chats[0]?.title).toBe("/help");
  });

  it("asks permission inline, runs the command once allowed, and answers with the real result", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket: agent } = await connectAgent(token, deviceId);
    const browser = await openBrowserSocket(client);
    const chatId = await newChat(client);

    const first = await send(client, chatId, "list my Documents");
    const replyId = ((await first.until("turn")).data.message as Message).id;
    const permission = await first.until("permission");
    const request = permission.data.request as { id: string; target: string; action: string; status: string; asked_by: string };
    expect(request).toMatchObject({ target: "filesystem", action: "list", status: "pending", asked_by: "assistant" });
    await first.all(); // waiting for the user ends the stream
    await browser.next("permission_prompt", (f) => (f.request as { id: string }).id === request.id);
    expect(agent.frames.filter((f) => f.type === "command")).toHaveLength(0);

    const decided = await client.request("POST", `/api/permission-requests/${request.id}/decision`, { json: { decision: "allow_once" } });
    expect(decided.status).toBe(200);
    await browser.next("turn", (f) => f.message_id === replyId && f.state === "resumed");
    const stream = await follow(client, chatId, replyId, permission.id);
    const command = await answerList(agent, ["taxes.pdf", "cv.docx"]);
    expect(command.approval).toMatchObject({ kind: "once" });
    const done = await stream.until("done");
    expect(stream.text()).toContain("taxes.pdf");
    const commandEvents = stream.events.filter((e) => e.event === "command").map((e) => (e.data.command as { status: string }).status);
    expect(commandEvents.at(-1)).toBe("done");
    const message = done.data.message as Message;
    expect(message.command_ids).toEqual([command.id]);
    expect((await history(client, chatId))[1]?.content).toContain("cv.docx");
    agent.close();
    browser.close();
  });

  it("answers a message it cannot read with one sentence and a pointer to /help", async () => {
    const { client } = await userWithDevice();
    const chatId = await newChat(client);
    const stream = await send(client, chatId, "tidy up my photo library a bit");
    await stream.until("done");
    expect(stream.text()).toBe('I didn\'t understand "tidy up my photo library a bit" as something to do on your computer. Type /help to see what I can do.');
  });

  it("writes a file the user asks for, after asking permission like any write", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket: agent } = await connectAgent(token, deviceId);
    const chatId = await newChat(client);
    const first = await send(client, chatId, "create a file todo.txt that says buy milk");
    const replyId = ((await first.until("turn")).data.message as Message).id;
    const permission = await first.until("permission");
    const request = permission.data.request as { id: string; target: string; action: string; parameters: Record<string, unknown> };
    expect(request).toMatchObject({ target: "filesystem", action: "write", parameters: { path: "~/Documents/todo.txt", content: "buy milk\n", mode: "create" } });
    await first.all();
    expect(agent.frames.filter((f) => f.type === "command")).toHaveLength(0);
    await client.request("POST", `/api/permission-requests/${request.id}/decision`, { json: { decision: "allow_once" } });
    const stream = await follow(client, chatId, replyId, permission.id);
    const command = await agent.next("command");
    expect(command.command).toMatchObject({ target: "filesystem", action: "write", parameters: { path: "~/Documents/todo.txt", content: "buy milk\n" } });
    agent.send({ v: 1, type: "ack", id: crypto.randomUUID(), ref: command.id });
    const data = { path: "~/Documents/todo.txt", mode: "create", bytes_written: 9 };
    agent.send({ v: 1, type: "result", id: crypto.randomUUID(), command_id: command.id, outcome: { status: "done", data }, started_at: Date.now(), finished_at: Date.now() });
    await stream.until("done");
    expect(stream.text()).toBe("Created ~/Documents/todo.txt (9 bytes).");
    agent.close();
  });

  it("runs nothing when the user denies, and says so", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket: agent } = await connectAgent(token, deviceId);
    const chatId = await newChat(client);
    const first = await send(client, chatId, "/ls ~/Documents");
    const replyId = ((await first.until("turn")).data.message as Message).id;
    const permission = await first.until("permission");
    const request = permission.data.request as { id: string };
    await client.request("POST", `/api/permission-requests/${request.id}/decision`, { json: { decision: "deny" } });
    const stream = await follow(client, chatId, replyId, permission.id);
    await stream.until("done");
    expect(stream.text()).toMatch(/didn't do it/);
    expect(agent.frames.filter((f) => f.type === "command")).toHaveLength(0);
    agent.close();
  });

  it("lets a second reader join a reply in progress and resume after a given event", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket: agent } = await connectAgent(token, deviceId);
    const browser = await openBrowserSocket(client);
    const chatId = await newChat(client);
    const first = await send(client, chatId, "list my Documents");
    const turn = await first.until("turn");
    const replyId = (turn.data.message as Message).id;
    await browser.next("turn", (f) => f.message_id === replyId && f.state === "started");
    await first.cancel(); // the first tab drops mid-reply

    // A second reader replays from after event 1 up to the prompt, where the stream pauses.
    const joined = await follow(client, chatId, replyId, 1);
    const permission = await joined.until("permission");
    expect(joined.events[0]?.id).toBe(2);
    expect((await joined.all()).at(-1)?.event).toBe("permission");
    const request = permission.data.request as { id: string };
    await client.request("POST", `/api/permission-requests/${request.id}/decision`, { json: { decision: "allow_once" } });
    const rejoined = await follow(client, chatId, replyId, permission.id);
    await answerList(agent, ["a.txt"]);
    await rejoined.until("done");
    expect(rejoined.text()).toContain("a.txt");
    await browser.next("turn", (f) => f.message_id === replyId && f.state === "finished");

    // After the end, the stream replays whole and closes.
    const replay = await new SseReader(await client.request("GET", `/api/chats/${chatId}/messages/${replyId}/stream?after=0`)).all();
    expect(replay.map((e) => e.event).at(-1)).toBe("done");
    agent.close();
    browser.close();
  });

  it("resumes a turn waiting for permission after the relay restarts", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
    const chatId = await newChat(client);
    const stream = await send(client, chatId, "list my Documents");
    const replyId = ((await stream.until("turn")).data.message as Message).id;
    const permission = await stream.until("permission");
    const request = permission.data.request as { id: string };
    await stream.all();

    await evictDurableObject(env.RELAY.getByName(me.user.id)); // the runtime drops the relay's memory
    const { socket: agent } = await connectAgent(token, deviceId);
    expect((await client.request("POST", `/api/permission-requests/${request.id}/decision`, { json: { decision: "allow_once" } })).status).toBe(200);
    const resumed = await follow(client, chatId, replyId, permission.id);
    await answerList(agent, ["after-restart.txt"]);
    await resumed.until("done");
    expect(resumed.text()).toContain("after-restart.txt");
    expect((await history(client, chatId))[1]).toMatchObject({ status: "sent", content: expect.stringContaining("after-restart.txt") });
    agent.close();
  });

  it("ends a reply that was running when the relay went away, instead of leaving it sending", async () => {
    const { client } = await userWithDevice();
    const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
    const chatId = await newChat(client);
    const first = await send(client, chatId, "list my Documents");
    const replyId = ((await first.until("turn")).data.message as Message).id;
    const permission = await first.until("permission");
    // As if the runtime dropped the object in the middle of running the turn.
    const relay = env.RELAY.getByName(me.user.id);
    await runInDurableObject(relay, (_instance, state) => void state.storage.sql.exec("UPDATE turns SET status = 'running' WHERE id = ?", replyId));
    await evictDurableObject(relay);

    const ended = await (await follow(client, chatId, replyId, permission.id)).until("error");
    expect(String(ended.data.message)).toMatch(/server restarted/);
    expect((await history(client, chatId))[1]).toMatchObject({ status: "error" });
  });

  it("stops a reply that waits, keeps what was said, and refuses a second stop", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket: agent } = await connectAgent(token, deviceId);
    const chatId = await newChat(client);
    const first = await send(client, chatId, "list my Documents");
    const replyId = ((await first.until("turn")).data.message as Message).id;
    const permission = await first.until("permission");
    expect((await client.request("POST", `/api/chats/${chatId}/messages/${replyId}/stop`)).status).toBe(200);
    const done = await (await follow(client, chatId, replyId, permission.id)).until("done");
    expect(done.data.stopped).toBe(true);
    const pending: { requests: unknown[] } = await (await client.request("GET", "/api/permission-requests?status=pending")).json();
    expect(pending.requests).toEqual([]); // the prompt it waited on is withdrawn
    expect((await client.request("POST", `/api/chats/${chatId}/messages/${replyId}/stop`)).status).toBe(409);
    agent.close();
  });

  it("queues a command for an offline device, says so, and the card fills in when it reconnects", async () => {
    const { client, token, deviceId } = await userWithDevice();
    await client.request("POST", "/api/permissions", { json: { target: "filesystem", action: "list", effect: "allow" } });
    const browser = await openBrowserSocket(client);
    const chatId = await newChat(client);
    const stream = await send(client, chatId, "list my Documents");
    const done = await stream.until("done");
    expect(stream.text()).toMatch(/queued — it will run when Test laptop reconnects/);
    const [commandId] = (done.data.message as Message).command_ids;
    expect(commandId).toBeDefined();

    const { socket: agent } = await connectAgent(token, deviceId);
    await answerList(agent, ["later.txt"]);
    const update = await browser.next("command_update", (f) => (f.command as { id: string; status: string }).id === commandId && (f.command as { status: string }).status === "done");
    expect(JSON.stringify(update.command)).toContain("later.txt");
    agent.close();
    browser.close();
  });

  it("validates input and keeps chats private", async () => {
    const { client } = await userWithDevice();
    const chatId = await newChat(client);
    const empty = await client.request("POST", `/api/chats/${chatId}/messages`, { json: { content: "   " } });
    expect(empty.status).toBe(400);
    const badThread = await client.request("POST", `/api/chats/${chatId}/messages`, { json: { content: "hi", thread_id: "nope" } });
    expect(badThread.status).toBe(404);
    const other = await userWithDevice();
    expect((await other.client.request("POST", `/api/chats/${chatId}/messages`, { json: { content: "hi" } })).status).toBe(404);
    expect((await other.client.request("GET", `/api/chats/${chatId}/messages/x/stream`)).status).toBe(404);
  });
});
