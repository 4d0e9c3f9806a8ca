import type { ActivityEvent } from "#protocol";

/**
 * The privacy gate every listener's events pass before they are queued for the server: activity from an
 * application the user disabled (compared without case) is dropped here, on the machine.
 */
export function privacyFilter(disabledApplications: readonly string[]): (events: readonly ActivityEvent[]) => ActivityEvent[] {
  const disabled = new Set(disabledApplications.map((name) => name.trim().toLowerCase()));
  return (events) => events.filter((event) => !disabled.has(event.application.trim().toLowerCase()));
}
