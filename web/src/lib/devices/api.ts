import { z } from "zod";
import { DeviceView, RefusedActivityView } from "#protocol";
import { api, callParsed } from "#lib/shared/api.ts";

// Requests are typed by the client (`hc<AppType>`); answers are checked against the protocol's schemas, because
// several routes answer with rows read from D1, whose types do not reach the web app's type check.

const DeviceList = z.object({ devices: z.array(DeviceView) });
const OneDevice = z.object({ device: DeviceView });
const RefusedList = z.object({ refused: z.array(RefusedActivityView) });
const Removed = z.object({ ok: z.literal(true) });

export const devices = {
  list: async () => (await callParsed(api.devices.$get(), DeviceList)).devices,
  /** Revokes the device's token and closes its socket; answers the device as it now is. */
  revoke: async (id: string) => (await callParsed(api.devices[":id"].$delete({ param: { id } }), OneDevice)).device,
  /** Activity this device sent that the server refused, newest first, with the reasons. */
  refusedActivity: async (id: string) => (await callParsed(api.devices[":id"]["refused-activity"].$get({ param: { id } }), RefusedList)).refused,
  /** Clears that list once the user has read it. */
  clearRefusedActivity: async (id: string) => {
    await callParsed(api.devices[":id"]["refused-activity"].$delete({ param: { id } }), Removed);
  },
};
