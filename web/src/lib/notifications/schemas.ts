import { z } from "zod";
import { NotificationView } from "#protocol";

// The notification calls' answer schemas, and zod with them: api.ts loads this with the first call, so the shell
// (whose bell asks for the unread count on every page) does not carry zod in its first JS (issue 17).

export { NotificationPreferences } from "#protocol/notifications.ts";

export const NotificationPage = z.object({ notifications: z.array(NotificationView), next_before: z.string().nullable(), unread: z.number().int().min(0) });
export const ReadAnswer = z.object({ read: z.number().int().min(0), unread: z.number().int().min(0) });
export const Ok = z.object({ ok: z.literal(true) });
export const ActionAnswer = z.object({ message: z.string() });
