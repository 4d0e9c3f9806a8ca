import { describe, expect, it } from "vitest";
import { ImportProfilesFrame, MAX_FRAME_BYTES } from "#protocol";
import type { CsvLayout, ImportProfile } from "#protocol";
import { TestClient } from "../../test/client.ts";
import { connectAgent, pairDevice } from "../../test/sockets.ts";
import { importProfilesText } from "./import-profiles.ts";

// The `import_profiles` frame through the real worker and relay: an agent gets the user's profiles after its
// welcome, and the whole new set whenever the user saves, imports or deletes one.

const LAYOUT: CsvLayout = {
  encoding: "utf-8",
  delimiter: ",",
  decimal: ".",
  thousands: "",
  date_order: "YMD",
  header: true,
  skip_lines: 0,
  date: "Booked",
  description: ["Payee"],
  sign: { kind: "signed", amount: "Value" },
};
const save = (name: string) => ({ name, account: null, layout: LAYOUT, header_cells: ["Booked", "Payee", "Value"] });

describe("the import_profiles frame", () => {
  it("follows the welcome, and carries the whole set again after every change", async () => {
    const client = new TestClient();
    await client.register();
    await client.request("PUT", "/api/import-profiles", { json: save("First bank") });
    const device = await pairDevice(client);
    const { socket } = await connectAgent(device.token, device.deviceId);
    try {
      const first = ImportProfilesFrame.parse(await socket.next("import_profiles"));
      expect(first.profiles.map((p) => p.name)).toEqual(["First bank"]);

      const saved: { profile: ImportProfile } = await (await client.request("PUT", "/api/import-profiles", { json: save("Second bank") })).json();
      const second = ImportProfilesFrame.parse(await socket.next("import_profiles"));
      expect(second.profiles.map((p) => p.name).sort()).toEqual(["First bank", "Second bank"]);

      await client.request("DELETE", `/api/import-profiles/${saved.profile.id}`);
      const third = ImportProfilesFrame.parse(await socket.next("import_profiles"));
      expect(third.profiles.map((p) => p.name)).toEqual(["First bank"]);
    } finally {
      socket.close();
    }
  });

  it("sends another user's agent nothing", async () => {
    const owner = new TestClient();
    await owner.register();
    const other = new TestClient();
    await other.register();
    const device = await pairDevice(other);
    const { socket } = await connectAgent(device.token, device.deviceId);
    try {
      expect(ImportProfilesFrame.parse(await socket.next("import_profiles")).profiles).toEqual([]);
      await owner.request("PUT", "/api/import-profiles", { json: save("Not yours") });
      await expect(socket.next("import_profiles", () => true, 1000)).rejects.toThrow(/timed out/);
    } finally {
      socket.close();
    }
  });

  it("keeps a frame under the size limit, newest profiles first, when headers are huge", () => {
    const long = Array.from({ length: 100 }, (_, i) => `${"column ".repeat(27)}${i}`);
    const profiles: ImportProfile[] = Array.from({ length: 200 }, (_, i) => ({ ...save(`Bank ${i}`), id: `p${i}`, header_cells: long, created_at: i, updated_at: i }));
    const { text, left } = importProfilesText(profiles);
    expect(new TextEncoder().encode(text).byteLength).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(left).toBeGreaterThan(0);
    const sent = ImportProfilesFrame.parse(JSON.parse(text)).profiles;
    expect(sent[0]?.name).toBe("Bank 199");
    expect(sent.length + left).toBe(200);
  });
});
