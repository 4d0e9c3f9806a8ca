import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for a Hearth server's HTTP side, on a real loopback socket, with what `hearth doctor` asks about:
 * `/api/health`, `/api/agent/device` (bearer token) and `/agent/manifest.json` (contract of issue 16). Its clock can
 * be set off by `skewMs`, in the Date header and in server_time alike.
 */
export class FakeHearthServer {
  token = "secret-token";
  skewMs = 0;
  /** The agent version the manifest offers; null: no agent build (404). */
  offered: string | null = null;
  /** When false, /api/agent/device answers 404, as a server from before issue 16. */
  knowsDevices = true;
  readonly #http: Server;

  private constructor() {
    this.#http = createServer((request, response) => {
      const now = Date.now() + this.skewMs;
      // Node adds its own Date header from the real clock; this one replaces it.
      response.sendDate = false;
      response.setHeader("date", new Date(now).toUTCString());
      const json = (status: number, body: unknown) => response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (request.url === "/api/health") return json(200, { ok: true });
      if (request.url === "/api/agent/device" && this.knowsDevices) {
        if (request.headers.authorization !== `Bearer ${this.token}`) return json(401, { error: { code: "unauthorized", message: "Unknown or revoked agent token." } });
        return json(200, { device_id: "device-1", name: "laptop", user_email: "me@example.com", agent_version: "0.1.0", latest_version: this.offered, server_time: now });
      }
      if (request.url === "/agent/manifest.json" && this.offered !== null) return json(200, { schema: 1, version: this.offered });
      return json(404, { error: { code: "not_found", message: "Not found." } });
    });
  }

  static async start(): Promise<FakeHearthServer> {
    const server = new FakeHearthServer();
    await new Promise<void>((resolve) => server.#http.listen(0, "127.0.0.1", resolve));
    return server;
  }

  get url(): string {
    const address: AddressInfo | string | null = this.#http.address();
    if (typeof address !== "object" || address === null) throw new Error("not listening");
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }
}
