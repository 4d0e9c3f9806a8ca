/// <reference types="node" />
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Webhook } from "standardwebhooks";

// A webhook receiver: a real HTTP server on loopback, in Node (vitest globalSetup), that checks each delivery
// with the Standard Webhooks reference verifier, as a user's receiver would. Each test uses its own channel
// (a path segment), so tests and test files never share state. Tests script it over HTTP:
//   POST /__script/<channel>   {secret, fail?, replies?, otherwise?}  the secret to verify with, and what to answer
//   GET  /__received/<channel>                                       every request to the channel, in order
//   POST /hooks/<channel>                                            a delivery
// A delivery whose signature does not verify is answered 401 and does not use up a scripted reply.

export type ReceiverReply = {
  status: number;
  body?: string;
  /** A Location header (for redirects). */
  location?: string;
  /** Wait this long before answering (to make the sender time out). */
  hangMs?: number;
};

export type ReceiverScript = {
  secret: string;
  /** Answer 500 this many times first. */
  fail?: number;
  /** Then these, in order. */
  replies?: ReceiverReply[];
  /** Then this, every time (default 200 "ok"). */
  otherwise?: ReceiverReply;
};

export type ReceivedDelivery = {
  /** What standardwebhooks' Webhook.verify said: true, or its error in `error`. */
  verified: boolean;
  error: string | null;
  id: string | null;
  timestamp: string | null;
  signature: string | null;
  contentType: string | null;
  body: string;
  /** The status the receiver answered. */
  answered: number;
};

export type WebhookReceiver = { url: string; close(): Promise<void> };

type Channel = { secret: string; replies: ReceiverReply[]; otherwise: ReceiverReply; received: ReceivedDelivery[] };

/** Starts the receiver on 127.0.0.1 with a free port; `url` is its origin. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const channels = new Map<string, Channel>();
  const server = createServer((req, res) => {
    void route(req, res).catch((error: unknown) => send(res, 500, String(error)));
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [, kind, name] = new URL(req.url ?? "/", "http://localhost").pathname.split("/");
    if (req.method === "POST" && kind === "__script" && name) {
      const script = parseScript(await readBody(req));
      if (script === null) return send(res, 400, "send {secret, fail?, replies?, otherwise?}");
      const failures = Array.from({ length: script.fail ?? 0 }, () => ({ status: 500, body: "receiver failure" }));
      channels.set(name, { secret: script.secret, replies: [...failures, ...(script.replies ?? [])], otherwise: script.otherwise ?? { status: 200, body: "ok" }, received: [] });
      return send(res, 200, "scripted");
    }
    if (req.method === "GET" && kind === "__received" && name) {
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ requests: channels.get(name)?.received ?? [] }));
    }
    if (req.method === "POST" && kind === "hooks" && name) return deliver(name, req, res);
    send(res, 404, `no route for ${req.method} ${req.url}`);
  }

  async function deliver(name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const header = (key: string) => (typeof req.headers[key] === "string" ? req.headers[key] : null);
    const record: ReceivedDelivery = {
      verified: false,
      error: null,
      id: header("webhook-id"),
      timestamp: header("webhook-timestamp"),
      signature: header("webhook-signature"),
      contentType: header("content-type"),
      body,
      answered: 0,
    };
    const channel = channels.get(name);
    if (channel === undefined) return send(res, 404, `channel ${name} is not scripted`);
    channel.received.push(record);
    try {
      new Webhook(channel.secret).verify(body, { "webhook-id": record.id ?? "", "webhook-timestamp": record.timestamp ?? "", "webhook-signature": record.signature ?? "" });
      record.verified = true;
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
      record.answered = 401;
      return send(res, 401, `signature rejected: ${record.error}`);
    }
    const reply = channel.replies.shift() ?? channel.otherwise;
    record.answered = reply.status;
    if (reply.hangMs) await new Promise((resolve) => setTimeout(resolve, reply.hangMs).unref());
    if (res.destroyed) return;
    res.writeHead(reply.status, reply.location ? { location: reply.location } : {});
    res.end(reply.body ?? "");
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("The webhook receiver did not get a TCP port.");
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function parseScript(text: string): ReceiverScript | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || !("secret" in value) || typeof value.secret !== "string") return null;
  const reply = (r: unknown): r is ReceiverReply => typeof r === "object" && r !== null && "status" in r && typeof r.status === "number";
  const fail = "fail" in value && typeof value.fail === "number" ? value.fail : 0;
  const replies = "replies" in value && Array.isArray(value.replies) ? value.replies.filter(reply) : [];
  const otherwise = "otherwise" in value && reply(value.otherwise) ? value.otherwise : undefined;
  return { secret: value.secret, fail, replies, otherwise };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "content-type": "text/plain" });
  res.end(text);
}
