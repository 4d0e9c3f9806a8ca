// bench/assistant: the assistant's costs. Three figures, each against a baseline from the same run:
// - LLM calls per command turn, counted at a fake OpenAI-compatible server (the seed's classify → parse →
//   generate chain made 3; Hearth's graph makes 1);
// - time to first token through Hearth (POST /api/chats/:id/messages → first `token` event), against the same
//   streamed completion asked of the fake server directly;
// - parser throughput (phrases per second, in Node), against the same phrases through ChatOpenAI and the fake.
import { performance } from "node:perf_hooks";
import { startFakeOpenAi } from "../test/fake-openai.ts";
import { ChatOpenAI } from "@langchain/openai";
import { parseMessage } from "../core/src/assistant/parser.ts";
import { ProtocolAgent, User } from "./lib/hearth.mjs";
import { startHearth } from "./lib/proc.mjs";
import { ms, note, ratio, summarize, table } from "./lib/stats.mjs";

export const name = "assistant";

/** The seed's design: classify, then parse, then generate: three model calls for a turn that runs a command. */
const SEED_CALLS_PER_COMMAND_TURN = 3;

const PHRASES = [
  "list my Documents",
  "what's in my Downloads folder?",
  "show me the files in ~/Pictures",
  "/ls ~/Desktop",
  "/cat ~/notes.txt",
  "read my todo list at ~/todo.md",
  "find my tax return pdf",
  "/find *.pdf in ~/Documents",
  "search my documents for invoice",
  "open https://example.com",
  "/open https://news.ycombinator.com",
  "go to github.com",
  "launch Spotify",
  "open the calculator app",
  "how much disk space do I have?",
  "/info",
  "what's my uptime",
  "/help",
  "tell me a joke", // declined: no command
  "what's the weather like in Paris tomorrow", // declined
];
const CAPABILITIES = ["filesystem.list", "filesystem.read", "filesystem.search", "browser.open", "apps.launch", "system.info"].map((key) => {
  const [target, action] = key.split(".");
  return { target, action };
});

async function control(fake, path, body) {
  const base = new URL(fake.url).origin;
  const response = await fetch(`${base}${path}`, body === undefined ? undefined : { method: "POST", body: JSON.stringify(body) });
  return response.json();
}

/** Reads an SSE response until its first `token` event; returns when it came (ms since `t0`), then drains the rest. */
async function firstToken(response, t0) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let at = null;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    if (at === null && /(^|\n)(event: token|data: \{"id":"chatcmpl-fake"[^\n]*"content":"[^"])/.test(buffer)) at = performance.now() - t0;
  }
  return at;
}

export async function run() {
  const turns = Number(process.env.BENCH_ASSISTANT_TURNS ?? 60);
  console.log(`\n## assistant: ${turns} turns with a fake language model, and the parser\n`);
  const fake = await startFakeOpenAi();
  note("starting Hearth with HEARTH_MODEL pointing at a fake OpenAI-compatible server");
  const hearth = await startHearth({ vars: ["HEARTH_MODEL:fake-model", `OPENAI_BASE_URL:${fake.url}`] });
  let agent;
  try {
    const user = await new User(hearth.origin).register();
    const device = await user.pairDevice("Bench machine");
    agent = new ProtocolAgent(hearth.origin, device.token, device.deviceId);
    await agent.connect();
    await user.allowAll();
    const headers = { cookie: user.cookie, origin: hearth.origin, "content-type": "application/json" };
    const chat = (await user.request("POST", "/api/chats", {})).body.chat;
    const ask = (content) => fetch(`${hearth.origin}/api/chats/${chat.id}/messages`, { method: "POST", headers, body: JSON.stringify({ content }) });

    // 1. Model calls per command turn: a request the parser declines, the model picks a tool, the agent runs it.
    note("model calls per command turn");
    await control(fake, "/__reset", {});
    let commandTurns = 0;
    for (let i = 0; i < turns; i++) {
      await control(fake, "/__script", { replies: [{ toolCall: { name: "filesystem__list", args: { path: "~/Pictures" } } }] });
      const response = await ask("what have I got in the way of photos");
      const text = await response.text();
      if (text.includes("event: done") && text.includes('"status":"done"')) commandTurns++;
    }
    const calls = (await control(fake, "/__requests")).requests.length;
    const perTurn = calls / turns;

    // 2. Time to first token, interleaved: Hearth's turn, then the fake asked directly, with the same reply.
    note("time to first token: Hearth vs the fake server directly");
    const reply = { text: "Here is a short answer that streams in several tokens, one word at a time." };
    const hearthTtft = [];
    const directTtft = [];
    for (let i = 0; i < turns; i++) {
      await control(fake, "/__script", { replies: [reply, reply] });
      let t0 = performance.now();
      hearthTtft.push(await firstToken(await ask("tell me something short about yourself"), t0));
      t0 = performance.now();
      const direct = await fetch(`${fake.url}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer not-needed" },
        body: JSON.stringify({ model: "fake-model", stream: true, messages: [{ role: "user", content: "tell me something short about yourself" }] }),
      });
      directTtft.push(await firstToken(direct, t0));
    }
    const h = summarize(hearthTtft.filter((v) => v !== null));
    const d = summarize(directTtft.filter((v) => v !== null));

    // 3. Parser throughput, against the same phrases through ChatOpenAI (tool calling) and the instant fake.
    note("parser throughput vs the model path");
    const rounds = Number(process.env.BENCH_PARSER_ROUNDS ?? 2000);
    for (const phrase of PHRASES) parseMessage(phrase, { capabilities: CAPABILITIES }); // warm-up
    let t0 = performance.now();
    for (let r = 0; r < rounds; r++) for (const phrase of PHRASES) parseMessage(phrase, { capabilities: CAPABILITIES });
    const parserRate = (rounds * PHRASES.length) / ((performance.now() - t0) / 1000);
    const model = new ChatOpenAI({ model: "fake-model", apiKey: "not-needed", configuration: { baseURL: fake.url }, maxRetries: 0 }).bindTools([
      { type: "function", function: { name: "filesystem__list", description: "List a folder", parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } } },
    ]);
    await control(fake, "/__reset", {});
    const modelPhrases = Math.min(PHRASES.length * 5, 100);
    t0 = performance.now();
    for (let i = 0; i < modelPhrases; i++) await model.invoke(PHRASES[i % PHRASES.length]);
    const modelRate = modelPhrases / ((performance.now() - t0) / 1000);

    console.log(
      table([
        ["figure", "Hearth", "baseline (same run)", "ratio"],
        [`model calls per command turn (${commandTurns}/${turns} turns ran their command)`, perTurn.toFixed(2), `seed design: ${SEED_CALLS_PER_COMMAND_TURN}`, ratio(perTurn, SEED_CALLS_PER_COMMAND_TURN)],
        ["time to first token p50 / p99", `${ms(h.p50)} / ${ms(h.p99)} ms`, `fake server directly ${ms(d.p50)} / ${ms(d.p99)} ms`, ratio(h.p50, d.p50)],
        ["parser throughput", `${Math.round(parserRate).toLocaleString("en")} phrases/s`, `ChatOpenAI + instant fake ${modelRate.toFixed(0)} phrases/s`, ratio(parserRate, modelRate)],
      ]),
    );
    console.log(`\nTTFT overhead of Hearth (auth, D1 writes, relay, graph) over the model itself: ${ms(h.p50 - d.p50)} ms at p50.`);
    return [
      { bench: name, figure: "model calls per command turn", value: perTurn.toFixed(2), baseline: `seed ${SEED_CALLS_PER_COMMAND_TURN}`, ratio: ratio(perTurn, SEED_CALLS_PER_COMMAND_TURN) },
      { bench: name, figure: "time to first token p50", value: `${ms(h.p50)} ms`, baseline: `direct ${ms(d.p50)} ms`, ratio: ratio(h.p50, d.p50) },
      { bench: name, figure: "parser throughput", value: `${Math.round(parserRate)}/s`, baseline: `model path ${modelRate.toFixed(0)}/s`, ratio: ratio(parserRate, modelRate) },
    ];
  } finally {
    agent?.close();
    await hearth.stop();
    await fake.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { main } = await import("./run.mjs");
  await main([name]);
}
