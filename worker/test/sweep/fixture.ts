import { expect, inject } from "vitest";
import { SoftPasskey } from "../../../test/authenticator.ts";
import { PASSWORD, TestClient } from "../../../test/client.ts";
import { SseReader } from "../../../test/sse.ts";
import { connectAgent, pairDevice } from "../../../test/sockets.ts";
import type { TestSocket } from "../../../test/sockets.ts";
import { enrolTotp } from "../../../test/totp.ts";

// One user holding one of everything a user can own, made through the real API, relay and agent socket, for the
// route sweep (worker/src/http/route-sweep.test.ts). Every name and text the user typed carries `marker`, so an
// answer that shows any of it to someone else is found by a plain string search.

/** What one user owns; every id is theirs. */
export type Owned = {
  client: TestClient;
  userId: string;
  /** A random word in every title, name, path and text this user made. */
  marker: string;
  deviceId: string;
  /** The device's agent, still connected: a command released by someone else would arrive here. */
  agent: TestSocket;
  ruleId: string;
  doneCommandId: string;
  failedCommandId: string;
  /** A write waiting for the user's answer: the one thing another user must never release. */
  pendingCommandId: string;
  requestId: string;
  /** A request the agent itself raised for a local script. */
  agentRequestId: string;
  /** The notification with Approve and Deny for `requestId`. */
  approveNoticeId: string;
  /** The notification with Retry for `failedCommandId`. */
  retryNoticeId: string;
  activityId: string;
  activityEventId: string;
  importedActivityId: string;
  /** A saved CSV import profile (its name and header carry the marker). */
  importProfileId: string;
  applicationId: string;
  ingestTokenId: string;
  ingestToken: string;
  webhookId: string;
  webhookSecret: string;
  deliveryId: string;
  chatId: string;
  userMessageId: string;
  replyId: string;
  /** A pairing this user approved whose agent has not collected its token yet. */
  userCode: string;
  /** An install line this user made, and the code of the (pending) pairing it started. */
  installKey: string;
  installUserCode: string;
  /** This user's signed-in session and known browser, as Settings → Account lists them. */
  sessionId: string;
  browserId: string;
  /** Second factors: an authenticator app (so sign-in asks for a code), one unused recovery code, and a passkey. */
  totpSecret: string;
  recoveryCode: string;
  passkeyId: string;
  /** The passkey's answer at the account's adding, already spent. */
  passkeyRegistration: PasskeyAnswer<"register">;
  /** The passkey's answer to a passwordless sign-in's challenge, not sent yet. */
  passkeySignIn: PasskeyAnswer<"sign">;
  /** A sign-in whose password step passed, waiting for its second factor. */
  pendingSignInToken: string;
};

type PasskeyAnswer<Step extends "register" | "sign"> = Awaited<ReturnType<SoftPasskey[Step]>>;

type Json = Record<string, unknown>;

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text);
}

const receiver = inject("webhookReceiverUrl");

/** The id of what the fixture just made; a missing one would be "" and match every answer, so it stops here. */
function found(what: string, value: string | undefined): string {
  if (!value) throw new Error(`the sweep's fixture did not find ${what}`);
  return value;
}

/** A command on the user's device, as the API answers it. */
async function dispatch(client: TestClient, deviceId: string, action: string, path: string): Promise<{ id: string; status: string }> {
  const body = { device_id: deviceId, command: { target: "filesystem", action, parameters: { path, ...(action === "write" ? { content: "x" } : {}) } } };
  return (await json<{ command: { id: string; status: string } }>(await client.request("POST", "/api/commands", { json: body }), 202)).command;
}

/** Runs a read the rule allows and answers it as the agent would. */
async function runRead(owner: { client: TestClient; deviceId: string; agent: TestSocket }, path: string, outcome: Json): Promise<string> {
  const command = await dispatch(owner.client, owner.deviceId, "read", path);
  await owner.agent.next("command", (f) => f.id === command.id);
  owner.agent.send({ v: 1, type: "result", id: crypto.randomUUID(), command_id: command.id, outcome, started_at: Date.now(), finished_at: Date.now() });
  await owner.agent.next("ack", (f) => f.ref !== undefined);
  return command.id;
}

/** Asks `read` every 50 ms until it answers something; the fixture is built in beforeAll, where expect.poll cannot run. */
async function eventually<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function noticeId(client: TestClient, kind: string): Promise<string> {
  return eventually(`a ${kind} notification`, async () => {
    const page = await json<{ notifications: { id: string }[] }>(await client.request("GET", `/api/notifications?kind=${kind}`), 200);
    return page.notifications[0]?.id;
  });
}

/** A new signed-in user, with nothing yet. */
export async function signedUp(): Promise<TestClient> {
  const client = new TestClient();
  await client.register();
  return client;
}

/** Gives a signed-in user one of every resource, through the same routes the app uses. */
export async function ownEverything(client: TestClient): Promise<Owned> {
  const marker = `mark${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const { id: userId, email } = (await json<{ user: { id: string; email: string } }>(await client.request("GET", "/api/auth/me"), 200)).user;

  const { token, deviceId } = await pairDevice(client, `Laptop ${marker}`);
  const { socket: agent } = await connectAgent(token, deviceId);
  const owner = { client, deviceId, agent };

  // Commands: a rule, a finished read, a failed read (a Retry notification), and a write that waits for an answer.
  const rule = { target: "filesystem", action: "read", scope: `~/${marker}/**`, effect: "allow" };
  const ruleId = (await json<{ permission: { id: string } }>(await client.request("POST", "/api/permissions", { json: rule }), 201)).permission.id;
  const doneCommandId = await runRead(owner, `~/${marker}/a.txt`, { status: "done", data: `${marker} contents` });
  const failedCommandId = await runRead(owner, `~/${marker}/gone.txt`, { status: "failed", error: { code: "not_found", message: `~/${marker}/gone.txt does not exist` } });
  const pending = await dispatch(client, deviceId, "write", `~/${marker}/w.txt`);
  expect(pending.status).toBe("awaiting_permission");
  const requests = await json<{ requests: { id: string; command_id: string | null }[] }>(await client.request("GET", "/api/permission-requests?status=pending"), 200);
  const requestId = found("the permission request", requests.requests.find((r) => r.command_id === pending.id)?.id);
  const approveNoticeId = await noticeId(client, "permission_requested");
  const retryNoticeId = await noticeId(client, "command_failed");
  // The agent's own question (a local script wants to trash a file): answering it would tell the agent to go ahead.
  agent.send({ v: 1, type: "permission_request", id: `${marker}-ask`, target: "filesystem", action: "trash", context: `A script wants to trash ~/${marker}/old.log`, one_time: true, command_id: null, parameters: { path: `~/${marker}/old.log` } });
  const agentRequestId = await eventually("the agent's permission request", async () => {
    const open = await json<{ requests: { id: string; asked_by: string }[] }>(await client.request("GET", "/api/permission-requests?status=pending"), 200);
    return open.requests.find((r) => r.asked_by === "agent")?.id;
  });

  // Activity: a large payment (its own notification), a statement upload, an application, and a refused event.
  const activityEventId = `${marker}-payment`;
  const payment = { event_id: activityEventId, activity_type: "financial", timestamp: new Date().toISOString(), application: "Bank", details: { amount: -5000, currency: "USD", merchant: `Shop ${marker}` } };
  await json(await client.request("POST", "/api/activities", { json: { events: [payment] } }), 200);
  const columns = encodeURIComponent(JSON.stringify({ encoding: "utf-8", delimiter: ",", decimal: ".", thousands: "", date_order: "YMD", header: true, skip_lines: 0, date: "Date", description: ["Description"], sign: { kind: "signed", amount: "Amount" } }));
  const csv = `Date,Description,Amount\n2026-10-01,Grocer ${marker},-23.10\n`;
  await json(await client.request("POST", `/api/activities/import?filename=statement.csv&currency=EUR&layout=${columns}`, { body: csv, headers: { "content-type": "application/octet-stream" } }), 200);
  const applicationId = (await json<{ activity: { id: string } }>(await client.request("POST", "/api/activities/applications", { json: { company: `Company ${marker}`, role: "Engineer" } }), 201)).activity.id;
  agent.send({ v: 1, type: "activity", id: `${marker}-batch`, events: [{ event_id: `${marker}-bad`, nope: true }] });
  await agent.next("ack", (f) => f.ref === `${marker}-batch`);
  const listed = await json<{ activities: { id: string; event_id: string }[] }>(await client.request("GET", "/api/activities?limit=200"), 200);
  const activityId = found("the payment", listed.activities.find((a) => a.event_id === activityEventId)?.id);
  const importedActivityId = found("the imported line", listed.activities.find((a) => a.event_id.startsWith("csv:"))?.id);
  const profileLayout = { encoding: "utf-8", delimiter: ",", decimal: ".", thousands: "", date_order: "YMD", header: true, skip_lines: 0, date: "Date", description: [`Payee ${marker}`], sign: { kind: "signed", amount: "Amount" } };
  const profile = { name: `Bank ${marker}`, account: `Account ${marker}`, layout: profileLayout, header_cells: ["Date", `Payee ${marker}`, "Amount"] };
  const importProfileId = (await json<{ profile: { id: string } }>(await client.request("PUT", "/api/import-profiles", { json: profile }), 200)).profile.id;

  const created = await json<{ token: string; ingest_token: { id: string } }>(await client.request("POST", "/api/ingest-tokens", { json: { name: `Tool ${marker}` } }), 201);

  // A webhook whose receiver answers 200, and its test delivery, delivered before anyone looks.
  const channel = crypto.randomUUID();
  const hook = await json<{ webhook: { id: string }; secret: string }>(await client.request("POST", "/api/webhooks", { json: { url: `${receiver}/hooks/${channel}`, description: `Hook ${marker}` } }), 201);
  await fetch(`${receiver}/__script/${channel}`, { method: "POST", body: JSON.stringify({ secret: hook.secret }) });
  const deliveryId = (await json<{ delivery_id: string }>(await client.request("POST", `/api/webhooks/${hook.webhook.id}/test`), 202)).delivery_id;
  await eventually("the test delivery", async () => {
    const page = await json<{ deliveries: { id: string; status: string }[] }>(await client.request("GET", `/api/webhooks/${hook.webhook.id}/deliveries`), 200);
    return page.deliveries.every((d) => d.status === "delivered") && page.deliveries.some((d) => d.id === deliveryId) ? true : undefined;
  });

  // A chat with a finished turn (the offline parser answers /help).
  const chatId = (await json<{ chat: { id: string } }>(await client.request("POST", "/api/chats", { json: { title: `Chat ${marker}` } }), 201)).chat.id;
  await new SseReader(await client.request("POST", `/api/chats/${chatId}/messages`, { json: { content: `/help ${marker}` } })).until("done");
  const history = await json<{ messages: { id: string; role: string }[] }>(await client.request("GET", `/api/chats/${chatId}/messages`), 200);

  // Settings of their own: activity retention, and quiet hours (off, so nothing is held back).
  await json(await client.request("PUT", "/api/activities/retention", { json: { manual: 400 } }), 200);
  await json(await client.request("PUT", "/api/notifications/preferences", { json: { quiet_hours: { enabled: false, start: "23:00", end: "06:00", time_zone: "Europe/Paris" } } }), 200);

  // A pairing approved but not yet collected by its agent.
  const start = await new TestClient().request("POST", "/api/pair/start", { json: { name: `Pending ${marker}`, platform: "linux", agent_version: "0.1.0" } });
  const userCode = (await json<{ user_code: string }>(start, 200)).user_code;
  await json(await client.request("POST", "/api/pair/approve", { json: { user_code: userCode } }), 200);
  const installKey = (await json<{ key: string }>(await client.request("POST", "/api/pair/install-links"), 200)).key;
  const fromLine = await new TestClient().request("POST", "/api/pair/start", { json: { name: `Installed ${marker}`, platform: "linux-x64", agent_version: "0.1.0", install_key: installKey } });
  const installUserCode = (await json<{ user_code: string }>(fromLine, 200)).user_code;

  // Second factors last, once nothing above needs the password alone: the app (its confirmation is a fresh proof,
  // which adding a passkey needs), a passkey, a sign-in left at its second step, and a passkey answer not yet sent.
  const { secret: totpSecret, recoveryCodes } = await enrolTotp(client);
  const passkey = new SoftPasskey();
  const creation = await json<Parameters<SoftPasskey["register"]>[0]>(await client.request("POST", "/api/auth/passkeys/register/options"), 200);
  const passkeyRegistration = await passkey.register(creation);
  await json(await client.request("POST", "/api/auth/passkeys", { json: { name: `Key ${marker}`, credential: passkeyRegistration } }), 201);
  const login = await json<{ second_factor: { token: string } }>(await new TestClient().request("POST", "/api/auth/login", { json: { email, password: PASSWORD } }), 200);
  const request = await json<Parameters<SoftPasskey["sign"]>[0]>(await new TestClient().request("POST", "/api/auth/passkeys/sign-in/options", { json: {} }), 200);

  const { sessions } = await json<{ sessions: { id: string }[] }>(await client.request("GET", "/api/account/sessions"), 200);
  const { browsers } = await json<{ browsers: { id: string }[] }>(await client.request("GET", "/api/account/browsers"), 200);

  return {
    client,
    userId,
    marker,
    deviceId,
    agent,
    ruleId,
    doneCommandId,
    failedCommandId,
    pendingCommandId: pending.id,
    requestId,
    agentRequestId,
    approveNoticeId,
    retryNoticeId,
    activityId,
    activityEventId,
    importedActivityId,
    importProfileId,
    applicationId,
    ingestTokenId: created.ingest_token.id,
    ingestToken: created.token,
    webhookId: hook.webhook.id,
    webhookSecret: hook.secret,
    deliveryId,
    chatId,
    userMessageId: found("the chat message", history.messages.find((m) => m.role === "user")?.id),
    replyId: found("the reply", history.messages.find((m) => m.role === "assistant")?.id),
    userCode,
    installKey,
    installUserCode,
    sessionId: found("the session", sessions[0]?.id),
    browserId: found("the known browser", browsers[0]?.id),
    totpSecret,
    recoveryCode: found("a recovery code", recoveryCodes[0]),
    passkeyId: passkey.id,
    passkeyRegistration,
    passkeySignIn: await passkey.sign(request),
    pendingSignInToken: login.second_factor.token,
  };
}

/** Every string of `owner`'s that no one else may ever be shown: ids, secrets and the marker in their texts. */
export function secretsOf(owner: Owned): string[] {
  return Object.values(owner).flatMap((value) => (typeof value === "string" ? [value] : []));
}
