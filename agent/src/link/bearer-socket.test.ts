import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { bearerWebSocket } from "./bearer-socket.ts";

// The agent's socket class against a real `ws` server on loopback that offers per-message compression.

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

describe("bearerWebSocket", () => {
  it("sends the token in the Authorization header and asks for no compression", async () => {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: true });
    servers.push(server);
    await new Promise((resolve) => server.once("listening", resolve));
    const upgrade = new Promise<{ authorization?: string; extensions?: string }>((resolve) =>
      server.once("connection", (_socket, request) => resolve({ authorization: request.headers.authorization, extensions: request.headers["sec-websocket-extensions"] })),
    );
    const Socket = bearerWebSocket("tok_123", () => {});
    const socket = new Socket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await new Promise((resolve) => socket.once("open", resolve));
    expect(await upgrade).toEqual({ authorization: "Bearer tok_123", extensions: undefined });
    expect(socket.extensions).toBe("");
    socket.close();
  });
});
