import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { AgentManifest, PairStartRequest, PairTokenRequest } from "#protocol";
import type { DeviceInfo, PairStartResponse, PairTokenResponse } from "#protocol";

/** Every process's command line, as every local user can read them (Linux /proc; elsewhere none). */
function commandLines(): string[] {
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return pids.flatMap((pid) => {
    try {
      return [readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ")];
    } catch {
      return [];
    }
  });
}

/**
 * A Hearth server's install surface on loopback, as the contract of issue 16 has the worker serve it: the install
 * scripts with their placeholders filled, /agent/manifest.json (with app.url), the bundles, a runtime "registry"
 * under /runtime/, pairing that approves at once, and DELETE /api/agent/device. `tamper` replaces the bytes served
 * at a path, to play an attacker or a broken mirror.
 */
export async function fakeHearthServer(options: { build: string; runtimes: string }) {
  let build = options.build;
  const tamper = new Map<string, Buffer>();
  const starts: (DeviceInfo & { install_key?: string })[] = [];
  const revoked: string[] = [];
  const usedKeys = new Set<string>();
  /** Keys refused because a pairing had used them already. */
  const refusedKeys: string[] = [];
  /** Keys seen in a process's command line while their pairing started (never, when the scripts pass them right). */
  const keysInArgv: string[] = [];
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += String(chunk);
    const path = new URL(req.url ?? "/", url).pathname;
    const json = (status: number, value: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
    const bytes = (data: Buffer | string, type = "application/octet-stream") => res.writeHead(200, { "content-type": type }).end(tamper.get(path) ?? data);
    const file = (full: string, type?: string) => {
      let data: Buffer;
      try {
        data = readFileSync(full);
      } catch {
        return json(404, { error: { code: "not_found", message: `no ${path}` } });
      }
      return bytes(data, type);
    };
    if (req.method === "GET" && (path === "/install.sh" || path === "/install.ps1")) {
      const key = new URL(req.url ?? "/", url).searchParams.get("k") ?? "";
      const template = readFileSync(join(build, `${path.slice(1)}.in`), "utf8");
      const filled = template
        .replaceAll("@@HEARTH_SERVER@@", url)
        .replaceAll("@@HEARTH_INSTALL_KEY@@", key)
        .replaceAll("@@HEARTH_RUNTIME_BASE@@", `${url}/runtime`);
      return bytes(filled, "text/plain; charset=utf-8");
    }
    if (req.method === "GET" && path === "/agent/manifest.json") {
      const manifest = AgentManifest.parse(JSON.parse(readFileSync(join(build, "manifest.json"), "utf8")));
      const served = { ...manifest, app: { ...manifest.app, url: `${url}${manifest.app.path}` }, runtime: { ...manifest.runtime, base: `${url}/runtime` } };
      return bytes(JSON.stringify(served), "application/json");
    }
    if (req.method === "GET" && path.startsWith("/agent/") && path.endsWith("/hearth.cjs")) return file(join(build, path.slice("/agent/".length)));
    if (req.method === "GET" && path.startsWith("/runtime/")) return file(join(options.runtimes, path.slice("/runtime/".length)));
    if (req.method === "POST" && path === "/api/pair/start") {
      const parsed = PairStartRequest.parse(JSON.parse(body));
      const key = parsed.install_key;
      // While `hearth pair` waits for this answer, is its key readable in any process's command line?
      if (key !== undefined && commandLines().some((line) => line.includes(key))) keysInArgv.push(key);
      // As the worker does: a key is good for one pairing; a second start with it is refused.
      if (key !== undefined && usedKeys.has(key)) {
        refusedKeys.push(key);
        return json(400, { error: { code: "invalid_install_key", message: "This install line has expired. Copy a fresh one from Settings → Devices → Add a computer." } });
      }
      if (key !== undefined) usedKeys.add(key);
      starts.push({ ...parsed, install_key: key });
      const codes: PairStartResponse = { device_code: "dc-1", user_code: "WXYZ-2345", verification_uri: `${url}/pair`, verification_uri_complete: `${url}/pair?code=WXYZ-2345`, expires_in: 600, interval: 0 };
      return json(200, codes);
    }
    if (req.method === "POST" && path === "/api/pair/token") {
      PairTokenRequest.parse(JSON.parse(body));
      const token: PairTokenResponse = { token: "installed-agent-token", device_id: "device-7", user_email: "me@example.com" };
      return json(200, token);
    }
    if (req.method === "DELETE" && path === "/api/agent/device") {
      const auth = req.headers.authorization ?? "";
      if (auth !== "Bearer installed-agent-token" || revoked.length > 0) return json(401, { error: { code: "unauthorized", message: "token revoked" } });
      revoked.push(auth);
      return json(200, { revoked: true });
    }
    json(404, { error: { code: "not_found", message: `no ${req.method} ${path}` } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address: AddressInfo | string | null = server.address();
  if (typeof address !== "object" || address === null) throw new Error("not listening");
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    starts,
    refusedKeys,
    keysInArgv,
    revoked,
    tamper,
    /** Serves another build (a newer agent) from now on. */
    serve: (dir: string) => {
      build = dir;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
