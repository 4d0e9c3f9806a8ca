import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PairStartRequest, PairTokenRequest } from "#protocol";
import type { DeviceInfo, ErrorCode, PairStartResponse, PairTokenResponse } from "#protocol";

/**
 * The pairing endpoints' contract on loopback: `/api/pair/start` hands out codes, and `/api/pair/token` answers
 * each poll from a script (an RFC 8628 error code → HTTP 400 `{error: {code, message}}`, or "approve").
 */
export async function fakePairingServer(script: (ErrorCode | "approve")[], interval = 0.05, options: { refuseInstallKeys?: boolean } = {}) {
  const polls: number[] = [];
  const devices: DeviceInfo[] = [];
  /** The install_key of each /api/pair/start, in order (undefined: none sent). */
  const installKeys: (string | undefined)[] = [];
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += String(chunk);
    const reply = (status: number, json: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json));
    if (req.method === "POST" && req.url === "/api/pair/start") {
      const start = PairStartRequest.parse(JSON.parse(body));
      installKeys.push(start.install_key);
      // As the worker answers a key that expired or was already used by a pairing.
      if (start.install_key !== undefined && options.refuseInstallKeys) {
        return reply(400, { error: { code: "invalid_install_key", message: "This install line has expired. Copy a fresh one from Settings → Devices → Add a computer." } });
      }
      devices.push(start);
      const codes: PairStartResponse = {
        device_code: "device-code-1",
        user_code: "ABCD-EFGH",
        verification_uri: `${url}/pair`,
        verification_uri_complete: `${url}/pair?code=ABCD-EFGH`,
        expires_in: 600,
        interval,
      };
      return reply(200, codes);
    }
    if (req.method === "POST" && req.url === "/api/pair/token") {
      if (PairTokenRequest.parse(JSON.parse(body)).device_code !== "device-code-1") return reply(400, { error: { code: "expired_token", message: "unknown code" } });
      polls.push(Date.now());
      const step = script[Math.min(polls.length - 1, script.length - 1)] ?? "approve";
      if (step === "approve") {
        const token: PairTokenResponse = { token: "the-agent-token", device_id: "device-42", user_email: "me@example.com" };
        return reply(200, token);
      }
      return reply(400, { error: { code: step, message: `test says ${step}` } });
    }
    reply(404, { error: { code: "not_found", message: "no" } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address: AddressInfo | string | null = server.address();
  if (typeof address !== "object" || address === null) throw new Error("not listening");
  const url = `http://127.0.0.1:${address.port}`;
  return { url, polls, devices, installKeys, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
