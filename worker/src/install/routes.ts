import { Hono } from "hono";
import type { Context } from "hono";
import { API_SECURITY_HEADERS, securityHeaders } from "../http/headers.ts";
import type { AppEnv } from "../http/types.ts";
import { agentManifest, readAsset, scriptTemplate } from "./artifacts.ts";
import { NOT_BUILT_MESSAGE, failingScript, fillScript, isTemplate, runtimeBaseOf, serveManifest } from "./fill.ts";
import type { ScriptKind } from "./fill.ts";

// Outside /api: the one-line installer (`curl -fsSL <origin>/install.sh | sh`, `irm <origin>/install.ps1 | iex`)
// and the artifacts it and `hearth update` download. wrangler.toml's run_worker_first sends these paths here, so
// a missing file is our 404, never the web app's page.

// Nothing here is a page: the API's locked-down headers (nosniff above all: a script is never run as a document).
const SCRIPT_HEADERS = { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...API_SECURITY_HEADERS };

/** The page's own origin: what the script dials back to (the user copied the line from this address). */
const originOf = (c: Context<AppEnv>) => new URL(c.req.url).origin;

/**
 * A refusal is still a script, and answered 200: the line runs `curl -fsSL`, whose `-f` drops the body of any error
 * status, so the user would see only "curl: (22)" while `| sh` ran nothing and exited 0. This way the message is
 * printed and the pipeline exits 1. The real status rides along in a header for anyone debugging.
 */
function refusal(c: Context<AppEnv>, kind: ScriptKind, message: string, status: number): Response {
  return c.body(failingScript(kind, message), 200, { ...SCRIPT_HEADERS, "x-hearth-refused": String(status) });
}

async function installScript(c: Context<AppEnv>, kind: ScriptKind): Promise<Response> {
  const template = await scriptTemplate(c.env.ASSETS, kind);
  if (template === null || !isTemplate(template)) return refusal(c, kind, NOT_BUILT_MESSAGE, 503);
  const filled = fillScript(template, { server: originOf(c), key: c.req.query("k") ?? "", runtimeBase: runtimeBaseOf(c.env) });
  if (!filled.ok) return refusal(c, kind, filled.message, filled.status);
  return c.body(filled.script, 200, SCRIPT_HEADERS);
}

/** Served at the site's root (mounted in app.ts beside /api). */
export const installSite = new Hono<AppEnv>()
  .use("/agent/*", securityHeaders)
  .get("/install.sh", (c) => installScript(c, "sh"))
  .get("/install.ps1", (c) => installScript(c, "ps1"))

  .get("/agent/manifest.json", async (c) => {
    const manifest = await agentManifest(c.env.ASSETS);
    if (!manifest) return c.json({ error: { code: "not_found", message: `${NOT_BUILT_MESSAGE}.` } }, 404, { "cache-control": "no-store" });
    // Not cached by the client: `hearth update` must see a new build at once.
    return c.json(serveManifest(manifest, originOf(c), runtimeBaseOf(c.env)), 200, { "cache-control": "no-store" });
  })

  .get("/agent/:version/hearth.cjs", async (c) => {
    const bundle = await readAsset(c.env.ASSETS, `/agent/${encodeURIComponent(c.req.param("version"))}/hearth.cjs`);
    if (!bundle) return c.text("There is no agent build of that version on this server. See /agent/manifest.json for the one it offers.", 404);
    // Revalidated each time: a rebuild of the same version (development, tests) must not be served stale.
    return new Response(bundle.body, { status: 200, headers: { "content-type": "application/javascript; charset=utf-8", "cache-control": "no-cache" } });
  });
