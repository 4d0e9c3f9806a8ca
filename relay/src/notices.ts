import type { NotificationDraft } from "../../core/src/notifications/store.ts";
import type { QueuedCommand } from "./command-store.ts";
import type { PermissionRequestRecord } from "./d1-sync.ts";
import { describe, subjectText } from "./wording.ts";

// What the relay's own sources say: a command that finished, failed or expired, and a permission request.

const withSubject = (command: QueuedCommand) => `${describe(command)}${subjectText(command.command)}`;

/** The notice for a command that reached an end, or null (still going, or refused by the user themselves). */
export function commandNotification(command: QueuedCommand): NotificationDraft | null {
  const source = { type: "command" as const, id: command.id };
  const link = `/settings/devices/${command.deviceId}`;
  switch (command.status) {
    case "done":
      return { kind: "command_finished", title: `Done: ${describe(command)}`, body: `${withSubject(command)} finished.`, source, link };
    case "failed":
      // The user said no themselves: telling them again is noise.
      if (command.error?.code === "denied_by_user") return null;
      return {
        kind: "command_failed",
        title: `Failed: ${describe(command)}`,
        body: `${withSubject(command)} failed: ${command.error?.message ?? "no reason was given"}`,
        actions: [{ id: "retry", label: "Retry" }],
        source,
        link,
      };
    case "expired":
      return {
        kind: "command_expired",
        title: `Expired: ${describe(command)}`,
        body: `${withSubject(command)} did not finish before its deadline.`,
        actions: [{ id: "retry", label: "Retry" }],
        source,
        link,
      };
    default:
      return null;
  }
}

/**
 * One notice for many commands of a device that finished together (a drained batch), instead of one each: "37
 * commands finished on Laptop". Failed and expired ones keep their own notice, with its Retry button.
 */
export function commandsFinishedNotification(deviceId: string, deviceName: string, finished: readonly QueuedCommand[]): NotificationDraft {
  const counts = new Map<string, number>();
  for (const command of finished) counts.set(describe(command), (counts.get(describe(command)) ?? 0) + 1);
  const kinds = [...counts].sort((a, b) => b[1] - a[1]);
  const shown = kinds.slice(0, 3).map(([what, n]) => (n > 1 ? `${what} ×${n}` : what));
  const more = kinds.length > 3 ? `, and ${kinds.length - 3} more kinds` : "";
  return {
    kind: "command_finished",
    title: `Done: ${finished.length} commands on ${deviceName}`,
    body: `${finished.length} commands finished on ${deviceName}: ${shown.join(", ")}${more}.`,
    source: { type: "device", id: deviceId },
    link: `/settings/devices/${deviceId}`,
  };
}

/** The notice for a new permission request: approve or deny it from the notification. */
export function requestNotification(request: PermissionRequestRecord): NotificationDraft {
  return {
    kind: "permission_requested",
    title: `Permission needed: ${request.target}.${request.action}`,
    body: request.context,
    actions: [
      { id: "approve", label: "Allow once" },
      { id: "deny", label: "Deny" },
    ],
    source: { type: "permission_request", id: request.id },
    link: `/settings/devices/${request.deviceId}`,
  };
}

/**
 * The app's pages that show what a notification is about, for "is the user looking at it". A permission request
 * is on every page (the prompt, or the chat's own card); anything else is on the page it links to, and a command
 * also in the chat it was run from.
 */
export function pagesShowing(draft: NotificationDraft, chatOfCommand: (commandId: string) => string | null): string[] {
  if (draft.source?.type === "permission_request") return ["*"];
  const pages = draft.link ? [draft.link] : [];
  const chat = draft.source?.type === "command" ? chatOfCommand(draft.source.id) : null;
  return chat ? [...pages, `/chat/${chat}`] : pages;
}
