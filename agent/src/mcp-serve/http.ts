import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { tokensEqual } from "../home/local-token.ts";
import type { HomePaths } from "../home/paths.ts";
import type { Logger } from "../log.ts";
import { createHearthMcpServer } from "./server.ts";

/** The HTTP mode's default port (the local endpoint's is 8765). */
export const MCP_HTTP_DEFAULT_PORT = 8766;
/** Where the MCP endpoint is: `http://127.0.0.1:<port>/mcp`. */
export const MCP_HTTP_PATH = "/mcp";
/** A JSON-RPC body larger than this is refused before it is read whole. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

const NO_BODY: { ok: true; value: unknown } = { ok: true, value: undefined };

/** A session unheard from this long is ended (each holds a connection to the agent); its client starts a new one. */
const SESSION_IDLE_MS = 30 * 60_000;

type Session = { transport: StreamableHTTPServerTransport; close: () => Promise<void>; lastSeen: number };

/**
 * `hearth mcp serve --http`: Streamable HTTP on 127.0.0.1 only. Every request must carry the local token as
 * `Authorization: Bearer …` (compared in constant time), and the SDK's DNS-rebinding protection (off by default
 * there) refuses a Host or Origin that is not this port on 127.0.0.1 or localhost, so a web page cannot reach it
 * through a rebound name. Each MCP session has its own connection to the agent, named after its client.
 */
export class McpHttpServer {
  readonly #http: HttpServer;
  readonly #sessions = new Map<string, Session>();
  readonly #options: { paths: HomePaths; log: Logger; token: string; port: number };
  #port = 0;
  #sweep: NodeJS.Timeout | undefined;

  constructor(options: { paths: HomePaths; log: Logger; token: string; port: number }) {
    this.#options = options;
    this.#http = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        options.log.error("mcp.http_failed", `An MCP request failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!response.headersSent) sendError(response, 500, "internal", "The request failed inside `hearth mcp serve`; see its log.");
      });
    });
  }

  /** Listens on 127.0.0.1 and resolves with the port (useful when asked for port 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#http.once("error", reject);
      this.#http.listen(this.#options.port, "127.0.0.1", () => {
        this.#http.off("error", reject);
        const address: AddressInfo | string | null = this.#http.address();
        this.#port = typeof address === "object" && address !== null ? address.port : this.#options.port;
        // Clients often go away without ending their session (no DELETE): forget the ones gone quiet.
        this.#sweep = setInterval(() => this.#forgetIdle(Date.now() - SESSION_IDLE_MS), 60_000).unref();
        resolve(this.#port);
      });
    });
  }

  /** Ends every session and stops listening. */
  async close(): Promise<void> {
    clearInterval(this.#sweep);
    for (const session of this.#sessions.values()) await session.close();
    this.#sessions.clear();
    await new Promise<void>((resolve) => {
      this.#http.close(() => resolve());
      this.#http.closeAllConnections();
    });
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const authorization = request.headers.authorization ?? "";
    const bearer = authorization.startsWith("Bearer ") ? authorization.slice("Bearer ".length).trim() : "";
    if (!tokensEqual(this.#options.token, bearer)) {
      this.#options.log.warn("mcp.bad_token", "An MCP request came without the right local token; refused it.");
      response.setHeader("www-authenticate", 'Bearer realm="hearth"');
      return sendError(response, 401, "unauthenticated", `Send "Authorization: Bearer <token>", the token being the content of ${this.#options.paths.localToken}.`);
    }
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    if (path !== MCP_HTTP_PATH) return sendError(response, 404, "not_found", `The MCP endpoint is http://127.0.0.1:${this.#port}${MCP_HTTP_PATH}.`);

    const sessionId = request.headers["mcp-session-id"];
    const known = typeof sessionId === "string" ? this.#sessions.get(sessionId) : undefined;
    if (typeof sessionId === "string" && !known) return sendError(response, 404, "not_found", "That MCP session is over (hearth mcp serve restarted?). Connect again.");
    // The SDK reads the body itself unless given it; it is read here once, to tell an initialize request apart.
    const body = request.method === "POST" ? await readJson(request) : NO_BODY;
    if (!body.ok) return sendError(response, 400, "malformed_json", body.message);
    if (known) {
      known.lastSeen = Date.now();
      return known.transport.handleRequest(request, response, body.value);
    }
    if (request.method !== "POST" || !isInitializeRequest(body.value)) return sendError(response, 400, "bad_request", "Start an MCP session with an initialize request (POST) first.");

    const port = this.#port;
    const mcp = createHearthMcpServer({ paths: this.#options.paths, log: this.#options.log });
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableDnsRebindingProtection: true,
      allowedHosts: [`127.0.0.1:${port}`, `localhost:${port}`],
      allowedOrigins: [`http://127.0.0.1:${port}`, `http://localhost:${port}`],
      onsessioninitialized: (id) => void this.#sessions.set(id, { transport, close: mcp.close, lastSeen: Date.now() }),
      onsessionclosed: (id) => {
        this.#sessions.delete(id);
        void mcp.close();
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) this.#sessions.delete(transport.sessionId);
    };
    await mcp.server.connect(transport);
    await transport.handleRequest(request, response, body.value);
  }

  #forgetIdle(before: number): void {
    for (const [id, session] of this.#sessions) {
      if (session.lastSeen >= before) continue;
      this.#sessions.delete(id);
      void session.close();
    }
  }
}

/** Reads a JSON body, up to MAX_BODY_BYTES. */
async function readJson(request: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return { ok: false, message: `The request body is over ${MAX_BODY_BYTES} bytes.` };
    chunks.push(buffer);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString("utf8")) };
  } catch {
    return { ok: false, message: "The request body is not valid JSON. Send one JSON-RPC message (or a batch) as JSON." };
  }
}

function sendError(response: ServerResponse, status: number, code: string, message: string): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify({ error: { code, message } }));
}
