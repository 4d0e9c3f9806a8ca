import { DecideInput, DecideOutcome, DispatchInput, DispatchOutcome, NotifyInput, TurnInput } from "../../../relay/src/index.ts";
import { CommandView } from "#protocol";
import type { Decision } from "#protocol";
import { OutboxNotice } from "../../../core/src/notifications/outbox.ts";

/**
 * The user's relay (one Durable Object per user, addressed by the user id): the only way the worker reaches it.
 * Every call takes typed arguments, checked with relay/src/rpc.ts's schemas before they leave and again by the
 * relay when they arrive (structured clone carries them); answers are parsed here the same way.
 */
export function relayFor(env: Env, userId: string) {
  const stub = env.RELAY.getByName(userId);
  return {
    fetch: (request: Request) => stub.fetch(request),
    dispatch: async (input: DispatchInput) => DispatchOutcome.parse(await stub.dispatch(DispatchInput.parse(input))),
    /** One command as the relay holds it (null when it has none): for a read that D1's mirror has not caught up with. */
    command: async (commandId: string) => CommandView.nullable().parse(await stub.command(commandId)),
    /** Dispatches for the session `sessionId` (its cookie's hash), which the relay checks without D1 (relay/src/sessions.ts). */
    dispatchAs: async (sessionId: string, touch: boolean, input: DispatchInput) => DispatchOutcome.parse(await stub.dispatchAs(sessionId, touch, DispatchInput.parse(input))),
    /** Sessions of this user were ended in D1: the relay refuses them from the next request. */
    sessionsEnded: (ids: string[]) => stub.sessionsEnded(ids),
    /** Answers a permission request; `scope` (for grants) left out means the narrowest the prompt offers. */
    decide: async (requestId: string, decision: Decision, scope?: string | null) =>
      DecideOutcome.parse(await stub.decide(DecideInput.parse({ requestId, decision, ...(scope === undefined ? {} : { scope }) }))),
    revokeDevice: (deviceId: string) => stub.revokeDevice(deviceId),
    rulesChanged: () => stub.rulesChanged(),
    activityStored: (freshIds: string[]) => stub.activityStored(freshIds),
    startTurn: (input: TurnInput) => stub.startTurn(TurnInput.parse(input)),
    followTurn: (turnId: string, after: number) => stub.followTurn(turnId, after),
    stopTurn: (turnId: string) => stub.stopTurn(turnId),
    onlineDevices: () => stub.onlineDevices(),
    /** The user's import profiles changed in D1: connected agents get the new set (the `import_profiles` frame). */
    importProfilesChanged: () => stub.importProfilesChanged(),
    notify: (input: NotifyInput) => stub.notify(NotifyInput.parse(input)),
    /** A notice is in the outbox (stored with the change that caused it); the relay makes it a notification. */
    noticeStored: (notice: OutboxNotice) => stub.noticeStored(OutboxNotice.parse(notice)),
    /** Handles every notice waiting in the user's outbox (the daily cron, for calls that never arrived). */
    sweepNotices: () => stub.sweepNotices(),
    notificationsChanged: (ids: string[]) => stub.notificationsChanged(ids),
    notificationPreferencesChanged: () => stub.notificationPreferencesChanged(),
    /** Webhook endpoints were added, changed, rotated or removed: the relay reads them again. */
    webhooksChanged: () => stub.webhooksChanged(),
    /** Sends a delivery again now (a manual resend from the delivery log); resolves once it is queued. */
    resendDelivery: (deliveryId: string) => stub.resendDelivery(deliveryId),
    /** Queues a `webhook.test` delivery to one endpoint; resolves with the delivery's id. */
    testWebhook: (endpointId: string) => stub.testWebhook(endpointId),
    /** The account is being deleted: agents are told to pair again, sockets close, and the relay's storage goes. */
    wipe: () => stub.wipe(),
  };
}
