import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { TestClient } from "../../../../test/client.ts";
import type { FakeReply } from "../../../../test/fake-openai.ts";
import { SseReader } from "../../../../test/sse.ts";
import { modelEnv } from "../model.ts";

// Activity questions through the real worker, relay and D1, with a language model configured (this vitest
// project's bindings point at a fake OpenAI-compatible server on loopback). No device is paired: activity
// questions need none.

const fake = new URL(modelEnv(env).OPENAI_BASE_URL ?? "http://127.0.0.1:1").origin;
const script = (...replies: FakeReply[]) => fetch(`${fake}/__script`, { method: "POST", body: JSON.stringify({ replies }) });
const Requests = z.object({ requests: z.array(z.looseObject({ tools: z.array(z.object({ function: z.object({ name: z.string() }) })).optional() })) });
const Chat = z.object({ chat: z.object({ id: z.string() }) });
const Messages = z.object({ messages: z.array(z.object({ content: z.string() })) });
const modelCalls = async () => Requests.parse(await (await fetch(`${fake}/__requests`)).json()).requests;

// Questions name periods ("this year") and the rows are fixed in 2026, so the turn runs on a fixed day. Only Date
// is faked: the relay runs in this isolate and reads the same clock, while its timers and I/O stay real.
const TODAY = Date.parse("2026-10-14T12:00:00Z");

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["Date"], now: TODAY });
  await fetch(`${fake}/__reset`, { method: "POST" });
});
afterEach(() => {
  vi.useRealTimers();
});

let n = 0;
const purchase = (merchant: string, amount: number, category: string) => ({
  event_id: `p-${++n}`,
  activity_type: "financial",
  timestamp: "2026-09-03T10:00:00Z",
  application: "Bank statement",
  details: { amount, currency: "EUR", merchant, category },
});

async function userWith(events: unknown[]): Promise<TestClient> {
  const client = new TestClient();
  await client.register();
  const stored = await client.request("POST", "/api/activities", { json: { events } });
  expect(await stored.json()).toMatchObject({ stored: events.length });
  return client;
}

async function ask(client: TestClient, content: string, extra: { tz_offset?: number } = {}): Promise<{ text: string; stored: string; commands: number }> {
  const { chat } = Chat.parse(await (await client.request("POST", "/api/chats", { json: {} })).json());
  const response = await client.request("POST", `/api/chats/${chat.id}/messages`, { json: { content, ...extra } });
  expect(response.status).toBe(200);
  const stream = new SseReader(response);
  await stream.until("done");
  const { messages } = Messages.parse(await (await client.request("GET", `/api/chats/${chat.id}/messages`)).json());
  return { text: stream.text(), stored: messages[1]?.content ?? "", commands: stream.events.filter((e) => e.event === "command").length };
}

describe("activity questions in a chat turn", () => {
  it("answers a parsed question from the user's own rows, with no model call and no device", async () => {
    const alice = await userWith([purchase("Amazon", -25, "Shopping"), purchase("Lidl", -40, "Groceries")]);
    await userWith([purchase("Amazon", -500, "Shopping")]);
    const { text, stored, commands } = await ask(alice, "show my Amazon orders");

    expect(text).toBe(
      "You made 1 purchase matching “Amazon”. **€25.00** in all.\n\n| Date | What | Category | Spent |\n| --- | --- | --- | --- |\n" +
        "| 2026-09-03 | Amazon | Shopping | €25.00 |\n\n[Open in dashboard](/dashboard?type=financial&max_amount=-0.01&q=Amazon)",
    );
    expect(stored).toBe(text);
    expect(commands).toBe(0);
    expect(await modelCalls()).toHaveLength(0);
  });

  it("counts days in the sender's time zone when the message says it, and says UTC when it does not", async () => {
    // 23:30 UTC on 30 September is already 1 October in Berlin (UTC+2 then).
    const alice = await userWith([{ ...purchase("Lidl", -40, "Groceries"), timestamp: "2026-09-30T23:30:00Z" }]);
    const berlin = await ask(alice, "how much did I spend on groceries this year", { tz_offset: 120 });
    expect(berlin.text).toContain("| 2026-10-01 | Lidl |");
    expect(berlin.text).not.toContain("UTC");
    const utc = await ask(alice, "how much did I spend on groceries this year");
    expect(utc.text).toContain("| 2026-09-30 | Lidl |");
    expect(utc.text).toContain("_Days are counted in UTC._");
  });

  it("runs the model's activity_query call in the relay, in one model call", async () => {
    const alice = await userWith([purchase("Lidl", -40, "Groceries"), purchase("Rewe", -12.5, "Groceries"), purchase("Ikea", -300, "Home")]);
    await script({ toolCall: { name: "activity_query", args: { kind: "spending", about: "groceries" } } });
    const { text, commands } = await ask(alice, "what did the supermarket cost me, roughly?");

    expect(text).toMatch(/^You spent \*\*€52\.50\*\* on Groceries altogether, across 2 purchases\./);
    expect(text).toContain("[Open in dashboard](/dashboard?type=financial&category=Groceries&max_amount=-0.01)");
    expect(text).not.toContain("Ikea");
    expect(commands).toBe(0);
    const calls = await modelCalls();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.tools?.map((tool) => tool.function.name)).toEqual(["activity_query"]);
  });
});
