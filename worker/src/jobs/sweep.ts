import { raiseFollowUps, raiseInterviewReminders } from "../../../core/src/jobs/followups.ts";
import type { RaisedNotice } from "../../../core/src/jobs/followups.ts";
import { relayFor } from "../relay/stub.ts";

// The hourly sweep for jobs (cron `41 * * * *`): raises the follow-ups and interview reminders that are due (see
// core/src/jobs/followups.ts) and tells each user's relay. The notices are in D1 first, so a relay that cannot be
// reached loses nothing: its own sweep of the outbox finds them.
export async function sweep(env: Env, at: number): Promise<void> {
  const raised: RaisedNotice[] = [...(await raiseFollowUps(env.DB, at)), ...(await raiseInterviewReminders(env.DB, at))];
  await Promise.all(
    raised.map(async ({ userId, ...notice }) => {
      try {
        await relayFor(env, userId).noticeStored(notice);
      } catch (error) {
        console.error(`jobs: telling the relay of notice ${notice.id} failed; its sweep will find it`, error);
      }
    }),
  );
}
