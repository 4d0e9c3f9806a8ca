// node:async_hooks (for LangGraph's AsyncLocalStorage) is typed by @types/node; nodejs_compat provides it at runtime.
/// <reference types="node" />
import { env } from "cloudflare:workers";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { AsyncLocalStorage } from "node:async_hooks";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import type { FakeReply } from "../../../../test/fake-openai.ts";
import { ingestActivities } from "../../activities/ingest.ts";
import { D1Saver } from "../checkpointer.ts";
import { buildAssistantGraph, userTurn } from "../graph.ts";
import { createChatModel } from "../model.ts";
import type { ParsedCommand } from "../parser.ts";
import type { AssistantCapability } from "../tools.ts";
import { activitySource } from "./index.ts";

// An activity question as a whole turn: from the parser, or from the model's `activity_query` tool call (a real
// ChatOpenAI against the loopback fake), looked up in D1 with no permission gate and no device.

AsyncLocalStorageProviderSingleton.initializeGlobalInstance(new AsyncLocalStorage());

const NOW = Date.parse("2026-10-14T12:00:00Z");
const LAPTOP: AssistantCapability[] = [{ deviceId: "dev-1", deviceName: "laptop", target: "filesystem", action: "list", readOnly: true }];
const ModelRequests = z.object({
  requests: z.array(z.looseObject({ messages: z.array(z.looseObject({ content: z.unknown() })), tools: z.array(z.object({ function: z.object({ name: z.string() }) })).optional() })),
});

const fakeUrl: string | undefined = inject("fakeOpenAiUrl");
if (!fakeUrl) throw new Error("fakeOpenAiUrl is not provided: vitest.config.ts should run test/fake-openai-setup.ts as globalSetup");
const base = fakeUrl.replace(/\/v1$/, "");
const script = (...replies: FakeReply[]) => fetch(`${base}/__script`, { method: "POST", body: JSON.stringify({ replies }) });
const modelRequests = async () => ModelRequests.parse(await (await fetch(`${base}/__requests`)).json()).requests;

/** A user straight in D1 (no sign-in needed here) with some groceries and a job application. */
async function user(withActivity = true): Promise<string> {
  const id = crypto.randomUUID();
  await env.DB.prepare("INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, 'unused', ?)").bind(id, `${id}@example.com`, Date.now()).run();
  const events = [
    { event_id: "g1", activity_type: "financial", timestamp: "2026-09-03T10:00:00Z", application: "Bank", details: { amount: -40, currency: "EUR", merchant: "Lidl", category: "groceries" } },
    { event_id: "g2", activity_type: "financial", timestamp: "2026-09-20T10:00:00Z", application: "Bank", details: { amount: -12.5, currency: "EUR", merchant: "Rewe", category: "groceries" } },
    { event_id: "j1", activity_type: "job", timestamp: "2026-10-03T10:00:00Z", application: "Chrome", details: { company: "Acme", role: "Engineer" } },
  ];
  if (withActivity) await ingestActivities(env.DB, id, { deviceId: null, source: "api", events });
  return id;
}

function turnFor(userId: string | null, options: { model?: boolean } = {}) {
  const gated: ParsedCommand[] = [];
  const executed: ParsedCommand[] = [];
  const graph = buildAssistantGraph({
    checkpointer: new D1Saver(env.DB),
    capabilities: LAPTOP,
    model: options.model ? createChatModel({ HEARTH_MODEL: "fake-model", OPENAI_BASE_URL: fakeUrl, OPENAI_API_KEY: "sk-fake" }) : null,
    activity: userId ? activitySource(env.DB, userId, { now: () => NOW }) : null,
    async gate(command) {
      gated.push(command);
      return "allow";
    },
    async execute(command) {
      executed.push(command);
      return { status: "done", data: null };
    },
  });
  const ask = async (text: string) => (await graph.invoke(userTurn(text), { configurable: { thread_id: `user:${crypto.randomUUID()}` } })).answer;
  return { ask, gated, executed };
}

beforeEach(async () => {
  await fetch(`${base}/__reset`, { method: "POST" });
});

describe("an activity question as a turn", () => {
  it("is answered from the parser with no model call, no permission gate and no device", async () => {
    const turn = turnFor(await user(), { model: true });
    const answer = await turn.ask("How much did I spend on groceries last month?");
    expect(answer).toMatch(/^You spent \*\*€52\.50\*\* on groceries last month \(September 2026\), across 2 purchases\./);
    expect(answer).toContain("| 2026-09-20 | Rewe | groceries | €12.50 |");
    expect(answer).toContain("[Open in dashboard](/dashboard?type=financial&category=groceries&from=1788220800000&to=1790812799999&max_amount=-0.01&group=day)");
    expect([turn.gated, turn.executed]).toEqual([[], []]);
    expect(await modelRequests()).toHaveLength(0);
  });

  it("says it cannot answer when the turn has no activity source, and says what it can do otherwise", async () => {
    expect(await turnFor(null).ask("which jobs did I apply to in October")).toMatch(/^I can't answer questions about your activity here\./);
    expect(await turnFor(await user()).ask("how much time did I spend on YouTube this week")).toMatch(/^I can't answer that about your activity yet\. .*my biggest purchases this week/);
  });

  it("runs the model's activity_query tool call directly, in one model call, without the gate", async () => {
    const turn = turnFor(await user(), { model: true });
    await script({ toolCall: { name: "activity_query", args: { kind: "applications", period: "october", about: null } } });
    const answer = await turn.ask("anything new on the job hunt front this month?");

    expect(answer).toBe(
      "You have 1 job application in October 2026.\n\n| Date | Company | Role | Status |\n| --- | --- | --- | --- |\n| 2026-10-03 | Acme | Engineer | applied |\n\n" +
        "[Open in dashboard](/dashboard?type=job&from=1790812800000&to=1793491199999&group=day) · _Days are counted in UTC._",
    );
    expect([turn.gated, turn.executed]).toEqual([[], []]);
    const requests = await modelRequests();
    expect(requests).toHaveLength(1);
    expect(requests[0]?.tools?.map((tool) => tool.function.name)).toEqual(["filesystem__list", "activity_query"]);
    expect(JSON.stringify(requests[0]?.messages[0]?.content)).toContain("Today is 2026-10-14.");
  });

  it("hands the model a question the parser recognised but could not structure, and the rows never go back to it", async () => {
    const turn = turnFor(await user(), { model: true });
    await script({ toolCall: { name: "activity_query", args: { kind: "search", about: "Lidl" } } });
    const answer = await turn.ask("what did I do at Lidl");
    expect(answer).toContain("| 2026-09-03 | Lidl | financial | -€40.00 |");
    const requests = await modelRequests();
    expect(requests).toHaveLength(1);
    expect(JSON.stringify(requests)).not.toContain("40.00");
  });

  it("offers the tool only to a user with activity, and refuses it when it was not offered", async () => {
    const turn = turnFor(await user(false), { model: true });
    await script({ toolCall: { name: "activity_query", args: { kind: "spending" } } });
    const answer = await turn.ask("anything new on the job hunt front this month?");
    const requests = await modelRequests();
    expect(requests[0]?.tools?.map((tool) => tool.function.name)).toEqual(["filesystem__list"]);
    expect(answer).toMatch(/none of your devices offers/);
  });

  it("says so when the model's arguments are not a question it can read", async () => {
    const turn = turnFor(await user(), { model: true });
    await script({ toolCall: { name: "activity_query", args: { kind: "horoscope" } } });
    expect(await turn.ask("tell me about my stars in my activity")).toMatch(/^The model asked an activity question I could not read \(kind: /);
    expect([turn.gated, turn.executed]).toEqual([[], []]);
  });
});
