import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { accountApi } from "./account/index.ts";
import { factorsApi } from "./auth/factor-routes.ts";
import { passkeysApi } from "./auth/passkey-routes.ts";
import { auth } from "./auth/routes.ts";
import { ApiError, renderError } from "./http/errors.ts";
import { securityHeaders } from "./http/headers.ts";
import { sameOriginWrites } from "./http/origin.ts";
import type { AppEnv } from "./http/types.ts";
import { MAX_STATEMENT_BYTES, activityImportsApi } from "./activities/import.ts";
import { activitiesApi, ingestTokensApi } from "./activities/routes.ts";
import { routes as importProfilesApi } from "./activities/profiles.ts";
import { routes as insightsApi } from "./insights/routes.ts";
import { routes as categoryRulesApi } from "./categories/routes.ts";
import { routes as jobsApi } from "./jobs/routes.ts";
import { auditApi } from "./audit/routes.ts";
import { assistantApi, chatsApi, searchApi } from "./chat/routes.ts";
import { commandsApi } from "./commands/routes.ts";
import { devicesApi } from "./devices/routes.ts";
import { actionLinks } from "./notifications/action-routes.ts";
import { notificationsApi } from "./notifications/routes.ts";
import { webhooksApi } from "./notifications/webhooks-api.ts";
import { installSite } from "./install/index.ts";
import { pairing } from "./pairing/routes.ts";
import { permissionRequestsApi, permissionsApi } from "./permissions/routes.ts";
import { agent, relay } from "./relay/routes.ts";

/** Request bodies above this are refused with 413 before they are read in full. */
export const MAX_BODY_BYTES = 1024 * 1024;

const api = new Hono<AppEnv>().basePath("/api");

const usualLimit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError(413, "payload_too_large", "The request body is over the 1 MiB limit. Send less at once.");
  },
});
const statementLimit = bodyLimit({
  maxSize: MAX_STATEMENT_BYTES,
  onError: () => {
    throw new ApiError(413, "payload_too_large", "A statement can be up to 5 MiB. Export a shorter period.");
  },
});
api.use(securityHeaders);
// Statement uploads are files; everything else is a small JSON body.
api.use((c, next) => (c.req.path === "/api/activities/import" || c.req.path === "/api/activities/import/preview" ? statementLimit(c, next) : usualLimit(c, next)));
api.use(sameOriginWrites);

const routes = api
  .get("/health", (c) => c.json({ ok: true as const }, 200))
  .route("/auth", auth)
  .route("/account", accountApi)
  .route("/auth", factorsApi)
  .route("/auth/passkeys", passkeysApi)
  .route("/relay", relay)
  .route("/agent", agent)
  .route("/pair", pairing)
  .route("/devices", devicesApi)
  .route("/commands", commandsApi)
  .route("/permissions", permissionsApi)
  .route("/permission-requests", permissionRequestsApi)
  .route("/audit", auditApi)
  .route("/chats", chatsApi)
  .route("/search", searchApi)
  .route("/assistant", assistantApi)
  .route("/activities", activityImportsApi)
  .route("/activities", activitiesApi)
  .route("/activities", jobsApi)
  .route("/import-profiles", importProfilesApi)
  .route("/insights", insightsApi)
  .route("/category-rules", categoryRulesApi)
  .route("/ingest-tokens", ingestTokensApi)
  .route("/notifications", notificationsApi)
  .route("/webhooks", webhooksApi)
  .route("/actions", actionLinks);

api.onError(renderError);

/**
 * The worker's whole surface: the API, and beside it the installer and agent artifacts (worker/src/install/). The
 * assets binding serves everything else; wrangler.toml's run_worker_first lists what reaches this app.
 */
export const app = new Hono<AppEnv>().route("/", installSite).route("/", api);

app.notFound((c) => {
  const path = new URL(c.req.url).pathname;
  // A download tool reads the body as a script or a file: plain text, not the API's JSON.
  if (path !== "/api" && !path.startsWith("/api/")) return c.text(`There is nothing at ${path} on this Hearth server.`, 404);
  throw new ApiError(404, "not_found", `There is no API route ${c.req.method} ${path}. Check the method and path.`);
});
app.onError(renderError);
/** The API's type, for the web app's typed client: `hc<AppType>("/")`. */
export type AppType = typeof routes;
