import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { errorOf, TestClient } from "../../../test/client.ts";
import { ftsQuery } from "../../../core/src/chat/views.ts";

type Chat = { id: string; title: string; preview: string | null };
type Message = { id: string; content: string; thread_id: string | null; reply_count: number; role: string };

async function signedIn() {
  const client = new TestClient();
  await client.register();
  const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
  return { client, userId: me.user.id };
}

async function newChat(client: TestClient, title?: string): Promise<Chat> {
  const response = await client.request("POST", "/api/chats", { json: title ? { title } : {} });
  expect(response.status).toBe(201);
  return ((await response.json()) as { chat: Chat }).chat;
}

let clock = 1_800_000_000_000;
/** Stores a message the way the assistant flow does (the flow itself is tested elsewhere). */
async function addMessage(userId: string, chatId: string, content: string, options: { role?: "user" | "assistant"; threadId?: string; sameMs?: boolean } = {}) {
  const id = crypto.randomUUID();
  if (!options.sameMs) clock += 1000;
  await env.DB.prepare(
    "INSERT INTO messages (id, chat_id, user_id, thread_id, role, content, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'sent', ?, ?)",
  )
    .bind(id, chatId, userId, options.threadId ?? null, options.role ?? "user", content, clock, clock)
    .run();
  return id;
}

describe("chats", () => {
  it("creates, lists with a preview, renames and deletes", async () => {
    const { client, userId } = await signedIn();
    const chat = await newChat(client);
    expect(chat.title).toBe("New chat");
    await addMessage(userId, chat.id, "show me what's in my Downloads folder");
    const list: { chats: Chat[] } = await (await client.request("GET", "/api/chats")).json();
    expect(list.chats).toEqual([expect.objectContaining({ id: chat.id, preview: "show me what's in my Downloads folder" })]);

    const renamed = await client.request("PATCH", `/api/chats/${chat.id}`, { json: { title: "  Downloads  " } });
    expect(((await renamed.json()) as { chat: Chat }).chat.title).toBe("Downloads");
    const empty = await client.request("PATCH", `/api/chats/${chat.id}`, { json: { title: "   " } });
    expect(await errorOf(empty)).toMatchObject({ code: "validation_failed", field: "title" });

    expect((await client.request("DELETE", `/api/chats/${chat.id}`)).status).toBe(200);
    expect((await client.request("GET", `/api/chats/${chat.id}/messages`)).status).toBe(404);
    const left = await env.DB.prepare("SELECT count(*) AS n FROM messages WHERE chat_id = ?").bind(chat.id).first<{ n: number }>();
    expect(left?.n).toBe(0);
  });

  it("pages through messages written in the same millisecond without losing one", async () => {
    const { client, userId } = await signedIn();
    const chat = await newChat(client, "Burst");
    for (let i = 0; i < 7; i++) await addMessage(userId, chat.id, `burst ${i}`, { sameMs: i > 0 });
    const seen: string[] = [];
    let before: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const url: string = `/api/chats/${chat.id}/messages?limit=3${before ? `&before=${before}` : ""}`;
      const page: { messages: Message[]; next_before: string | null } = await (await client.request("GET", url)).json();
      seen.unshift(...page.messages.map((m) => m.content));
      before = page.next_before;
      if (!before) break;
    }
    expect(seen.sort()).toEqual(Array.from({ length: 7 }, (_, i) => `burst ${i}`));
  });

  it("pages back through history, oldest first within a page, with thread reply counts", async () => {
    const { client, userId } = await signedIn();
    const chat = await newChat(client, "History");
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await addMessage(userId, chat.id, `message ${i}`));
    await addMessage(userId, chat.id, "a reply", { threadId: ids[4] });
    await addMessage(userId, chat.id, "another reply", { threadId: ids[4], role: "assistant" });

    const page1: { messages: Message[]; next_before: string | null } = await (await client.request("GET", `/api/chats/${chat.id}/messages?limit=3`)).json();
    expect(page1.messages.map((m) => m.content)).toEqual(["message 2", "message 3", "message 4"]);
    expect(page1.messages[2]?.reply_count).toBe(2);
    const page2: { messages: Message[]; next_before: string | null } = await (await client.request("GET", `/api/chats/${chat.id}/messages?limit=3&before=${page1.next_before}`)).json();
    expect(page2.messages.map((m) => m.content)).toEqual(["message 0", "message 1"]);
    expect(page2.next_before).toBeNull();

    const thread: { messages: Message[] } = await (await client.request("GET", `/api/chats/${chat.id}/messages?thread=${ids[4]}`)).json();
    expect(thread.messages.map((m) => [m.role, m.content])).toEqual([
      ["user", "a reply"],
      ["assistant", "another reply"],
    ]);
  });

  it("keeps each user's chats to themselves", async () => {
    const a = await signedIn();
    const b = await signedIn();
    const chat = await newChat(a.client, "Private");
    await addMessage(a.userId, chat.id, "my secret plans");
    expect((await b.client.request("GET", `/api/chats/${chat.id}/messages`)).status).toBe(404);
    expect((await b.client.request("PATCH", `/api/chats/${chat.id}`, { json: { title: "mine now" } })).status).toBe(404);
    expect((await b.client.request("DELETE", `/api/chats/${chat.id}`)).status).toBe(404);
    expect(((await (await b.client.request("GET", "/api/chats")).json()) as { chats: Chat[] }).chats).toEqual([]);
    expect(((await (await b.client.request("GET", "/api/search?q=secret")).json()) as { results: unknown[] }).results).toEqual([]);
  });
});

describe("search", () => {
  it("finds words and prefixes across all chats, with highlighted snippets", async () => {
    const { client, userId } = await signedIn();
    const taxes = await newChat(client, "Taxes");
    const jobs = await newChat(client, "Jobs");
    const target = await addMessage(userId, taxes.id, "Where did I save the 2025 tax returns?");
    await addMessage(userId, jobs.id, "Open the Greenhouse page for my application", { role: "assistant" });

    const hits: { results: { message_id: string; chat_title: string; snippet: string }[] } = await (await client.request("GET", "/api/search?q=tax%20retur")).json();
    expect(hits.results).toEqual([expect.objectContaining({ message_id: target, chat_title: "Taxes", snippet: expect.stringContaining("[tax] [returns]") })]);
    const stemmed: { results: unknown[] } = await (await client.request("GET", "/api/search?q=applications")).json();
    expect(stemmed.results).toHaveLength(1);
    // Search syntax is just text: no errors from stray quotes or operators.
    const odd = await client.request("GET", `/api/search?q=${encodeURIComponent('"tax" OR NEAR(')}`);
    expect(odd.status).toBe(200);
  });

  it("forgets edited and deleted text", async () => {
    const { client, userId } = await signedIn();
    const chat = await newChat(client);
    const id = await addMessage(userId, chat.id, "zebra crossing");
    await env.DB.prepare("UPDATE messages SET content = 'giraffe' WHERE id = ?").bind(id).run();
    expect(((await (await client.request("GET", "/api/search?q=zebra")).json()) as { results: unknown[] }).results).toEqual([]);
    expect(((await (await client.request("GET", "/api/search?q=giraffe")).json()) as { results: unknown[] }).results).toHaveLength(1);
    await client.request("DELETE", `/api/chats/${chat.id}`);
    expect(((await (await client.request("GET", "/api/search?q=giraffe")).json()) as { results: unknown[] }).results).toEqual([]);
  });

  it("asks for a query", async () => {
    const { client } = await signedIn();
    const response = await client.request("GET", "/api/search?q=");
    expect(await errorOf(response)).toMatchObject({ code: "validation_failed", field: "q" });
  });

  it("builds safe FTS5 queries", () => {
    expect(ftsQuery("tax retur")).toBe('"tax"* "retur"*');
    expect(ftsQuery('"; DROP TABLE')).toBe('"DROP"* "TABLE"*');
    expect(ftsQuery("!!!")).toBeNull();
  });
});
