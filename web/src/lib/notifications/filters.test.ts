import { NOTIFICATION_KINDS, PRIORITIES } from "#protocol";
import { describe, expect, it } from "vitest";
import { NOTIFICATION_STATES, notificationFilterQuery, notificationFiltersFrom, notificationsUrl } from "./filters.ts";

// The notification center's filters live in its URL, so a link to "unread urgent" shows just that.

const params = (query: string) => new URLSearchParams(query);

describe("the notification center's URL", () => {
  it("is plain for the default: everything, any kind, any priority", () => {
    expect(notificationFilterQuery({ state: "all" })).toEqual({});
    expect(notificationFiltersFrom(params(""))).toEqual({ state: "all" });
    expect(notificationsUrl({ state: "all" })).toBe("/notifications");
    expect(notificationsUrl({ state: "unread", priority: "urgent" })).toBe("/notifications?state=unread&priority=urgent");
  });

  it("reads back every combination of filters it writes", () => {
    for (const state of NOTIFICATION_STATES)
      for (const kind of [undefined, ...NOTIFICATION_KINDS])
        for (const priority of [undefined, ...PRIORITIES]) {
          const filters = { state, ...(kind ? { kind } : {}), ...(priority ? { priority } : {}) };
          expect(notificationFiltersFrom(params(new URLSearchParams(notificationFilterQuery(filters)).toString()))).toEqual(filters);
        }
  });

  it("ignores a state, kind or priority it does not know, and keeps the rest", () => {
    expect(notificationFiltersFrom(params(`state=archived&kind=lottery&priority=${PRIORITIES[0]}`))).toEqual({ state: "all", priority: PRIORITIES[0] });
    expect(notificationFiltersFrom(params("state=unread&priority=loud"))).toEqual({ state: "unread" });
  });
});
