import { PASSWORD } from "../../../test/client.ts";
import { codeFor } from "../../../test/totp.ts";
import type { Owned } from "./fixture.ts";

// The route sweep's table: for every route the app registers, how user B calls it against user A's things.
// worker/src/http/route-sweep.test.ts reads the app's own route table and fails on any route missing here, so a
// new route is one new entry below, keyed "METHOD /api/path" exactly as Hono lists it.

/** One request user B makes: `params` fill the route's `:names`; `query` is the text after `?`. */
export type Call = { params?: Record<string, string>; query?: string; json?: unknown; body?: string; headers?: Record<string, string> };

/**
 * What B must get back. `gone`: 404 with this error code, since the thing is A's. `refused`: 400 or 401 with this
 * code, for A's code or passkey answer offered as B's own. `mine`: a 2xx answer that shows nothing of A's (B's own
 * data, an empty list, or an action on B's own rows only).
 */
export type Probe = Call & { expect: { status: 400 | 401 | 404; code: string } | "mine" };

export type RouteCase =
  /** B calls it with A's ids, signed in as B. Afterwards A's rows must be as they were. */
  | { probes: (a: Owned, b: Owned) => Probe[] }
  /** Needs no session: why that is safe. */
  | { public: string }
  /** Proven by another test in the sweep's file: which. */
  | { coveredBy: string };

/** B names something of A's: the answer is 404 `code`. */
const gone = (call: Call = {}, code = "not_found"): Probe => ({ ...call, expect: { status: 404, code } });
/** B offers A's second factor (a code, a passkey's answer) as B's own: refused, and nothing of A's is spent. */
const refused = (call: Call, status: 400 | 401 = 401, code = "invalid_credentials"): Probe => ({ ...call, expect: { status, code } });
/** B acts on B's own data: a 2xx answer with nothing of A's in it. */
const mine = (call: Call = {}): Probe => ({ ...call, expect: "mine" });
const id = (value: string) => ({ params: { id: value } });

const read = (deviceId: string) => ({ device_id: deviceId, command: { target: "filesystem", action: "read", parameters: { path: "~/notes.txt" } } });
const csvColumns = encodeURIComponent(JSON.stringify({ encoding: "utf-8", delimiter: ",", decimal: ".", thousands: "", date_order: "YMD", header: true, skip_lines: 0, date: "Date", description: ["Description"], sign: { kind: "signed", amount: "Amount" } }));

export const ROUTES: Record<string, RouteCase> = {
  "GET /api/health": { public: "a liveness check that says nothing about anyone" },
  "POST /api/auth/register": { public: "creates a new account" },
  "POST /api/auth/login": { public: "signs in; the lockout has its own tests (auth.test.ts)" },
  "POST /api/auth/logout": { public: "ends the caller's own session (the cookie it sends), and needs none" },
  "GET /api/auth/me": { probes: () => [mine()] },

  // Second factors. B's own sign-in waits at its second step (b.pendingSignInToken): A's code, recovery code or
  // passkey cannot finish it, nor B's passkey A's. Every wrong code counts toward B's lockout (5 in 15 minutes):
  // B's own step-up below clears them. B's app is removed before it is set up again (setup refuses a second one).
  "POST /api/auth/login/second-factor": {
    probes: (a, b) => [
      refused({ json: { token: b.pendingSignInToken, method: "totp", code: codeFor(a.totpSecret) } }),
      refused({ json: { token: b.pendingSignInToken, method: "recovery", code: a.recoveryCode } }),
    ],
  },
  "POST /api/auth/passkeys/sign-in/options": { probes: (_, b) => [mine({ json: { token: b.pendingSignInToken } }), mine({ json: {} })] },
  "POST /api/auth/passkeys/sign-in": {
    probes: (a, b) => [refused({ json: { token: b.pendingSignInToken, credential: a.passkeySignIn } }), refused({ json: { token: a.pendingSignInToken, credential: b.passkeySignIn } })],
  },
  "POST /api/auth/passkeys/step-up/options": { probes: () => [mine()] },
  "POST /api/auth/step-up": {
    probes: (a, b) => [
      refused({ json: { method: "totp", code: codeFor(a.totpSecret) } }),
      refused({ json: { method: "passkey", credential: a.passkeySignIn } }),
      mine({ json: { method: "totp", code: codeFor(b.totpSecret, 1) } }),
    ],
  },
  "GET /api/auth/security": { probes: () => [mine()] },
  "PUT /api/auth/security": { probes: () => [mine({ json: { require_second_factor: true } })] },
  "POST /api/auth/recovery-codes": { probes: () => [mine()] },
  "GET /api/auth/passkeys": { probes: () => [mine()] },
  "POST /api/auth/passkeys/register/options": { probes: () => [mine()] },
  // A's passkey, replayed from its adding, is not B's to add.
  "POST /api/auth/passkeys": { probes: (a) => [refused({ json: { name: "Taken", credential: a.passkeyRegistration } })] },
  "PATCH /api/auth/passkeys/:id": { probes: (a, b) => [gone({ ...id(a.passkeyId), json: { name: "Taken" } }), mine({ ...id(b.passkeyId), json: { name: "B's key" } })] },
  "DELETE /api/auth/passkeys/:id": { probes: (a) => [gone(id(a.passkeyId))] },
  "DELETE /api/auth/totp": { probes: () => [mine()] },
  "POST /api/auth/totp/setup": { probes: () => [mine()] },
  // B's new app is not confirmed by a code from A's.
  "POST /api/auth/totp/confirm": { probes: (a) => [refused({ json: { code: codeFor(a.totpSecret) } }, 400, "validation_failed")] },

  "GET /api/relay": { coveredBy: "the live-frame test: B's browser socket hears none of A's frames" },
  "GET /api/agent": { public: "the agent's socket: its device token is the credential, not a session (agent tokens are per device)" },
  "GET /api/agent/device": { public: "the agent asks about its own device: its token is the credential (a session gets 401; agent.test.ts)" },
  "DELETE /api/agent/device": { public: "the agent revokes its own device: its token is the credential (a session gets 401; agent.test.ts)" },

  // The installer and the agent's artifacts: the same for everyone, and nothing of anyone's in them.
  "GET /install.sh": { public: "the install script, filled with this server's address and the key the caller passed" },
  "GET /install.ps1": { public: "the install script for Windows, filled like install.sh" },
  "GET /agent/manifest.json": { public: "which agent build this server offers, with its checksums" },
  "GET /agent/:version/hearth.cjs": { public: "the agent build itself, the same for every user" },

  "POST /api/pair/start": { public: "an agent asks to pair; nothing is granted until a signed-in user approves its code" },
  "POST /api/pair/token": { public: "an agent polls with its secret device code, which only it holds" },
  "GET /api/pair/lookup": { probes: (a) => [gone({ query: `user_code=${a.userCode}` }, "invalid_code")] },
  "POST /api/pair/approve": { probes: (a) => [gone({ json: { user_code: a.userCode } }, "invalid_code")] },
  "POST /api/pair/deny": { probes: (a) => [gone({ json: { user_code: a.userCode } }, "invalid_code")] },
  "POST /api/pair/install-links": { probes: () => [mine()] },
  "GET /api/pair/install-links/:key": { probes: (a) => [gone({ params: { key: a.installKey } })] },

  "GET /api/devices": { probes: () => [mine()] },
  // A device's refusals are listed (and cleared) within the caller's rows: an empty list for A's device.
  "GET /api/devices/:id/refused-activity": { probes: (a) => [mine(id(a.deviceId))] },
  "DELETE /api/devices/:id/refused-activity": { probes: (a) => [mine(id(a.deviceId))] },
  "DELETE /api/devices/:id": { probes: (a) => [gone(id(a.deviceId))] },

  "POST /api/commands": { probes: (a) => [gone({ json: read(a.deviceId) })] },
  "GET /api/commands": { probes: (a) => [mine(), mine({ query: `device_id=${a.deviceId}` })] },
  "GET /api/commands/:id": { probes: (a) => [gone(id(a.doneCommandId)), gone(id(a.failedCommandId)), gone(id(a.pendingCommandId))] },
  "POST /api/commands/:id/retry": { probes: (a) => [gone(id(a.failedCommandId))] },

  "GET /api/permissions": { probes: () => [mine()] },
  "POST /api/permissions": { probes: (a) => [gone({ json: { target: "*", action: "*", effect: "allow", device_id: a.deviceId } })] },
  "DELETE /api/permissions/:id": { probes: (a) => [gone(id(a.ruleId))] },
  "GET /api/permission-requests": { probes: () => [mine(), mine({ query: "status=pending" })] },
  // Answering A's request would release a command on A's computer: the sweep also checks A's agent got nothing.
  "POST /api/permission-requests/:id/decision": {
    probes: (a) => [a.requestId, a.agentRequestId].flatMap((request) => ["allow_once", "allow_always", "deny"].map((decision) => gone({ ...id(request), json: { decision } }))),
  },
  "GET /api/audit": { probes: () => [mine()] },

  "GET /api/chats": { probes: () => [mine()] },
  "POST /api/chats": { probes: () => [mine({ json: { title: "B's chat" } })] },
  "PATCH /api/chats/:id": { probes: (a) => [gone({ ...id(a.chatId), json: { title: "Taken" } })] },
  "DELETE /api/chats/:id": { probes: (a) => [gone(id(a.chatId))] },
  "POST /api/chats/:id/messages": {
    probes: (a, b) => [gone({ ...id(a.chatId), json: { content: "/help" } }), gone({ ...id(b.chatId), json: { content: "/help", thread_id: a.userMessageId } })],
  },
  "GET /api/chats/:id/messages": { probes: (a, b) => [gone(id(a.chatId)), mine({ ...id(b.chatId), query: `thread=${a.userMessageId}` })] },
  "GET /api/chats/:id/messages/:mid/stream": {
    probes: (a, b) => [gone({ params: { id: a.chatId, mid: a.replyId } }), gone({ params: { id: b.chatId, mid: a.replyId } })],
  },
  "POST /api/chats/:id/messages/:mid/stop": {
    probes: (a, b) => [gone({ params: { id: a.chatId, mid: a.replyId } }), gone({ params: { id: b.chatId, mid: a.replyId } })],
  },
  "GET /api/search": { probes: (a) => [mine({ query: `q=${a.marker}` })] },
  "GET /api/assistant": { probes: () => [mine()] },

  // B's own writes carry B's own words, so nothing of A's can show up in B's answers but by a leak.
  // With a session these store B's rows; with an ingest token (Bearer hearth_ingest_…) the token names its user.
  "POST /api/activities": {
    probes: (_, b) => [mine({ json: { events: [{ event_id: `${b.marker}-more`, activity_type: "financial", timestamp: new Date().toISOString(), application: "Bank", details: { amount: -1, currency: "USD" } }] } })],
  },
  "POST /api/activities/import": {
    probes: (_, b) => [mine({ query: `filename=statement.csv&currency=EUR&layout=${csvColumns}`, body: `Date,Description,Amount\n2026-10-02,Baker ${b.marker},-3.10\n`, headers: { "content-type": "application/octet-stream" } })],
  },
  // B's statement is read with B's own profiles only; naming A's profile is 404.
  "POST /api/activities/import/preview": {
    probes: (a, b) => [
      mine({ query: `filename=statement.csv&currency=EUR&layout=${csvColumns}`, body: `Date,Description,Amount\n2026-10-02,Baker ${b.marker},-3.10\n`, headers: { "content-type": "application/octet-stream" } }),
      gone({ query: `filename=statement.csv&profile=${a.importProfileId}`, body: `Date,Description,Amount\n2026-10-02,Baker ${b.marker},-3.10\n`, headers: { "content-type": "application/octet-stream" } }),
    ],
  },
  "GET /api/import-profiles": { probes: () => [mine()] },
  "PUT /api/import-profiles": {
    probes: (_, b) => [mine({ json: { name: `Bank ${b.marker}`, account: null, layout: { encoding: "utf-8", delimiter: ",", decimal: ".", thousands: "", date_order: "YMD", header: true, skip_lines: 0, date: "Date", description: [`Memo ${b.marker}`], sign: { kind: "signed", amount: "Amount" } }, header_cells: [] } })],
  },
  "DELETE /api/import-profiles/:id": { probes: (a) => [gone(id(a.importProfileId))] },
  "GET /api/import-profiles/export": { probes: () => [mine()] },
  "POST /api/import-profiles/import": { probes: () => [mine({ json: { hearth_import_profiles: 1, profiles: [] } })] },
  "POST /api/activities/applications": { probes: () => [mine({ json: { company: "B's company", role: "Tester" } })] },
  "GET /api/activities/jobs/detections": { probes: () => [mine()] },
  "POST /api/activities/jobs/detections/decide": { probes: (a) => [gone({ json: { event_id: `history:${a.marker}`, decision: "accept" } })] },
  "GET /api/activities/jobs/interviews": { probes: () => [mine(), mine({ query: "from=0" })] },
  "GET /api/activities/jobs/interviews.ics": { probes: () => [mine()] },
  "GET /api/activities/jobs/interviews/:iid/ics": { probes: (a) => [gone({ params: { iid: a.interviewId } })] },
  "DELETE /api/activities/jobs/interviews/:iid": { probes: (a) => [gone({ params: { iid: a.interviewId } })] },
  "GET /api/activities/jobs/:id": { probes: (a) => [gone(id(a.applicationId)), gone(id(a.activityId))] },
  "PATCH /api/activities/jobs/:id": { probes: (a) => [gone({ ...id(a.applicationId), json: { notes: "Taken" } })] },
  "POST /api/activities/jobs/:id/interviews": {
    probes: (a) => [gone({ ...id(a.applicationId), json: { starts_local: "2030-02-01T09:00", time_zone: "UTC", kind: "phone" } })],
  },
  "GET /api/insights/subscriptions": { probes: () => [mine()] },
  "GET /api/insights/unusual": { probes: () => [mine(), mine({ query: "period=week" })] },
  "GET /api/insights/unusual/week-and-month": { probes: () => [mine()] },
  "GET /api/category-rules": { probes: () => [mine()] },
  // Words only: the merchant's key as B typed it, nothing stored.
  "GET /api/category-rules/merchant": { probes: (_, b) => [mine({ query: `merchant=${encodeURIComponent(`ALBERT HEIJN ${b.marker}`)}` })] },
  "POST /api/category-rules": { probes: (_, b) => [mine({ json: { match: "description_contains", pattern: `Baker ${b.marker}`, category: "Bread" } })] },
  "PATCH /api/category-rules/:id": { probes: (a) => [gone({ ...id(a.categoryRuleId), json: { category: "Stolen" } })] },
  "DELETE /api/category-rules/:id": { probes: (a) => [gone(id(a.categoryRuleId))] },
  "POST /api/category-rules/:id/apply": { probes: (a) => [gone({ ...id(a.categoryRuleId), json: { dry_run: false, overwrite: true } })] },
  "GET /api/activities": { probes: (a) => [mine(), mine({ query: `q=${a.marker}` })] },
  "GET /api/activities/summary": { probes: () => [mine()] },
  "GET /api/activities/export.csv": { probes: (a) => [mine(), mine({ query: `q=${a.marker}` })] },
  "PATCH /api/activities/:id": {
    probes: (a) => [gone({ ...id(a.activityId), json: { category: "Stolen" } }), gone({ ...id(a.applicationId), json: { job_status: "rejected" } })],
  },
  "DELETE /api/activities": { probes: () => [mine()] },
  "GET /api/activities/retention": { probes: () => [mine()] },
  "PUT /api/activities/retention": { probes: () => [mine({ json: { manual: 1 } })] },
  "DELETE /api/activities/:id": { probes: (a) => [gone(id(a.activityId)), gone(id(a.importedActivityId)), gone(id(a.applicationId))] },

  "GET /api/ingest-tokens": { probes: () => [mine()] },
  "POST /api/ingest-tokens": { probes: () => [mine({ json: { name: "B's tool" } })] },
  "DELETE /api/ingest-tokens/:id": { probes: (a) => [gone(id(a.ingestTokenId))] },

  "GET /api/notifications": { probes: () => [mine()] },
  // Marks only the caller's own: A's ids are ignored, and A's stay unread.
  "POST /api/notifications/read": { probes: (a) => [mine({ json: { ids: [a.approveNoticeId, a.retryNoticeId] } }), mine({ json: {} })] },
  "GET /api/notifications/preferences": { probes: () => [mine()] },
  "PUT /api/notifications/preferences": { probes: () => [mine({ json: { quiet_hours: { enabled: true, start: "22:00", end: "07:00", time_zone: "Europe/Berlin" } } })] },
  "POST /api/notifications/:id/dismiss": { probes: (a) => [gone(id(a.approveNoticeId)), gone(id(a.retryNoticeId))] },
  "POST /api/notifications/:id/actions/:action": {
    probes: (a) => [
      gone({ params: { id: a.approveNoticeId, action: "approve" } }),
      gone({ params: { id: a.approveNoticeId, action: "deny" } }),
      gone({ params: { id: a.retryNoticeId, action: "retry" } }),
    ],
  },

  "GET /api/webhooks": { probes: () => [mine()] },
  "POST /api/webhooks": { probes: () => [mine({ json: { url: "https://example.com/hooks/b" } })] },
  "PATCH /api/webhooks/:id": { probes: (a) => [gone({ ...id(a.webhookId), json: { enabled: false } }), gone({ ...id(a.webhookId), json: { url: "https://example.com/steal" } })] },
  "DELETE /api/webhooks/:id": { probes: (a) => [gone(id(a.webhookId))] },
  "POST /api/webhooks/:id/rotate": { probes: (a) => [gone(id(a.webhookId))] },
  "POST /api/webhooks/:id/test": { probes: (a) => [gone(id(a.webhookId))] },
  "GET /api/webhooks/:id/deliveries": { probes: (a) => [gone(id(a.webhookId))] },
  "POST /api/webhooks/deliveries/:id/resend": { probes: (a) => [gone(id(a.deliveryId))] },

  // Settings → Account. B's own password and email requests act on B alone; A's session and browser are not B's.
  "POST /api/account/email/confirm": { public: "spends a single-use email-change link; the token is the credential (account.test.ts)" },
  "POST /api/account/password": { probes: () => [mine({ json: { current_password: PASSWORD, new_password: PASSWORD } })] },
  "POST /api/account/email": { probes: (_, b) => [mine({ json: { current_password: PASSWORD, new_email: `${b.marker}@example.net` } })] },
  "GET /api/account/sessions": { probes: () => [mine()] },
  "DELETE /api/account/sessions/:id": { probes: (a) => [gone(id(a.sessionId))] },
  "DELETE /api/account/sessions": { probes: () => [mine()] },
  "GET /api/account/browsers": { probes: () => [mine()] },
  "DELETE /api/account/browsers/:id": { probes: (a) => [gone(id(a.browserId))] },
  "GET /api/account/export": { probes: () => [mine()] },
  "DELETE /api/account": { coveredBy: "your-data.test.ts: deleting one account leaves every row and the relay storage of another untouched" },

  "GET /api/actions": { public: "the page a webhook's action link opens; it holds no token (its script posts the #fragment on)" },
  "POST /api/actions/view": { public: "shows what a signed, single-use action link will do; the posted token is the credential (action-routes.test.ts)" },
  "POST /api/actions/confirm": { public: "spends a signed action link; the token names its user and notification, and an approval with effects also needs that user's authenticator code (action-routes.test.ts)" },
  "GET /api/actions/:token": { public: "the old link form with the token in the path: refused whatever it holds (action-routes.test.ts)" },
  "POST /api/actions/:token": { public: "the old link form with the token in the path: refused whatever it holds (action-routes.test.ts)" },
};
