/// <reference types="node" />
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

// A fake OpenAI-compatible endpoint: a real HTTP server on loopback that the worker tests reach with fetch.
// It runs in Node (vitest globalSetup), since workerd tests cannot listen. Tests script it over HTTP:
//   POST /__script  {"replies": [FakeReply, …]}  queues the next answers (FIFO; a text answer when empty)
//   GET  /__requests                              every chat request body received since the last reset
//   POST /__reset                                 forgets both
// POST …/chat/completions answers as OpenAI does, as one JSON body or, with "stream": true, as SSE chunks
// that split text into tokens and tool-call arguments into fragments.

export type FakeReply =
  | { text: string }
  | { toolCall: { name: string; args: Record<string, unknown> } }
  /** Fails: answers this HTTP status with an OpenAI-style error body. */
  | { status: number }
  /** Answers 200 with a body that is not JSON. */
  | { malformed: true }
  /** Answers nothing for this long (to make the client time out). */
  | { hangMs: number };
export type FakeOpenAi = { url: string; close(): Promise<void> };

const DEFAULT_REPLY: FakeReply = { text: "I can list folders, read files and open web pages." };

/** Starts the fake on 127.0.0.1 with a free port; `url` ends in /v1, as OPENAI_BASE_URL expects. */
export async function startFakeOpenAi({ unref = false }: { unref?: boolean } = {}): Promise<FakeOpenAi> {
  let replies: FakeReply[] = [];
  let requests: unknown[] = [];

  const server = createServer((req, res) => {
    void route(req, res).catch((error: unknown) => send(res, 500, { error: { message: String(error) } }));
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method === "POST" && path === "/__reset") {
      [replies, requests] = [[], []];
      return send(res, 200, { ok: true });
    }
    if (req.method === "POST" && path === "/__script") {
      const body: unknown = JSON.parse(await readBody(req));
      if (isRecord(body) && Array.isArray(body.replies)) replies.push(...body.replies.filter(isReply));
      return send(res, 200, { queued: replies.length });
    }
    if (req.method === "GET" && path === "/__requests") return send(res, 200, { requests });
    if (req.method === "POST" && path.endsWith("/chat/completions")) {
      const body: unknown = JSON.parse(await readBody(req));
      requests.push(body);
      const reply = replies.shift() ?? DEFAULT_REPLY;
      if ("status" in reply) return send(res, reply.status, { error: { message: `fake failure ${reply.status}`, type: "server_error" } });
      if ("malformed" in reply) {
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end("{not json");
      }
      if ("hangMs" in reply) {
        await new Promise((resolve) => setTimeout(resolve, reply.hangMs));
        return send(res, 504, { error: { message: "too late" } });
      }
      const model = isRecord(body) && typeof body.model === "string" ? body.model : "fake";
      if (isRecord(body) && body.stream === true) return streamReply(res, model, reply);
      return send(res, 200, completion(model, reply));
    }
    send(res, 404, { error: { message: `no route for ${req.method} ${path}` } });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // A server started from vitest.config.ts has no teardown hook: it must not keep the process alive.
  if (unref) server.unref();
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("The fake OpenAI server did not get a TCP port.");
  return {
    url: `http://127.0.0.1:${address.port}/v1`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

type Answer = { text: string } | { toolCall: { name: string; args: Record<string, unknown> } };

function completion(model: string, reply: Answer) {
  const message =
    "text" in reply
      ? { role: "assistant", content: reply.text }
      : { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: reply.toolCall.name, arguments: JSON.stringify(reply.toolCall.args) } }] };
  return {
    id: "chatcmpl-fake",
    object: "chat.completion",
    created: 0,
    model,
    choices: [{ index: 0, message, finish_reason: "text" in reply ? "stop" : "tool_calls", logprobs: null }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

function streamReply(res: ServerResponse, model: string, reply: Answer): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    res.write(`data: ${JSON.stringify({ id: "chatcmpl-fake", object: "chat.completion.chunk", created: 0, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
  if ("text" in reply) {
    chunk({ role: "assistant", content: "" });
    for (const token of reply.text.match(/\S+\s*/g) ?? []) chunk({ content: token });
    chunk({}, "stop");
  } else {
    const args = JSON.stringify(reply.toolCall.args);
    chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: reply.toolCall.name, arguments: "" } }] });
    for (let at = 0; at < args.length; at += 7) chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(at, at + 7) } }] });
    chunk({}, "tool_calls");
  }
  res.end("data: [DONE]\n\n");
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const part of req) text += String(part);
  return text;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function isReply(value: unknown): value is FakeReply {
  if (!isRecord(value)) return false;
  if (typeof value.text === "string" || typeof value.status === "number" || value.malformed === true || typeof value.hangMs === "number") return true;
  const call = value.toolCall;
  return isRecord(call) && typeof call.name === "string" && isRecord(call.args);
}
