import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { AgentProcess } from "./agent-process.ts";
import { registerNewUser } from "./register.ts";

// The agent's statements folder and the web's import profiles: one real `hearth` agent against the real relay. A
// CSV in a layout Hearth does not know waits in the folder with a clear log line; a profile saved through the API
// reaches the agent (the `import_profiles` frame), which then reads the waiting file with it, and after a restart
// reads the next statement waiting in the folder with the profile it kept in state.db.

/** A Dutch export with always-positive amounts beside an Af/Bij column, in Windows-1252 (é in a payee). */
const HEADER = '"Boekdatum";"Omschrijving";"Tegenpartij";"Af/Bij";"Bedrag";"Saldo na boeking"';
const cp1252 = (...rows: string[]) => Buffer.from(Uint8Array.from([HEADER, ...rows].join("\r\n") + "\r\n", (char) => char.charCodeAt(0)));

const PROFILE = {
  name: "ING NL joint",
  account: "Joint",
  header_cells: ["Boekdatum", "Omschrijving", "Tegenpartij", "Af/Bij", "Bedrag", "Saldo na boeking"],
  layout: {
    encoding: "windows-1252",
    delimiter: ";",
    decimal: ",",
    thousands: ".",
    date_order: "DMY",
    header: true,
    skip_lines: 0,
    date: "Boekdatum",
    description: ["Tegenpartij"],
    sign: { kind: "indicator", amount: "Bedrag", indicator: "Af/Bij", debit_values: ["Af"], credit_values: ["Bij"] },
    default_currency: "EUR",
    balance: "Saldo na boeking",
  },
};

type Activity = { amount: number | null; merchant: string | null; description: string | null; timestamp: string };

test("a watched CSV in an unknown layout imports once a profile is saved, and the next one with no questions after a restart", async ({ page, baseURL }) => {
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  await registerNewUser(page, "profiles");
  const agent = new AgentProcess();
  const folder = join(agent.root, "Statements");
  mkdirSync(folder);
  writeFileSync(join(agent.home, "config.json"), JSON.stringify({ filesystem: { roots: [agent.root] }, local_endpoint: { port: 0 }, listeners: { statements: { enabled: true, folder } } }));
  agent.run(["pair", "--server", baseURL, "--name", "Profiles laptop"]);
  const [userCode] = await agent.waitFor(/[A-Z0-9]{4}-[A-Z0-9]{4}/);
  expect((await page.request.post("/api/pair/approve", { data: { user_code: userCode }, headers: { origin: baseURL } })).status()).toBe(200);
  expect(await agent.exited()).toBe(0);

  const amounts = async () => {
    const listed: { activities: Activity[] } = await (await page.request.get("/api/activities?limit=50")).json();
    return listed.activities.map((a) => a.amount).sort((a, b) => (a ?? 0) - (b ?? 0));
  };

  agent.run(["start"]);
  try {
    await agent.waitFor(/Connected to/);
    writeFileSync(join(folder, "october.csv"), cp1252('"03-10-2026";"Betaalautomaat";"Caf\xe9 de Jaren";"Af";"23,10";"1.476,90"', '"05-10-2026";"Overschrijving";"Werkgever BV";"Bij";"2.500,00";"3.976,90"'));
    await agent.waitFor(/october\.csv was not imported: Hearth does not know its layout \(header: Boekdatum, Omschrijving/);
    expect(await amounts()).toEqual([]);

    // The user saves the layout as a profile in the web app: the agent hears of it and reads the waiting file.
    const saved = await page.request.put("/api/import-profiles", { data: PROFILE, headers: { origin: baseURL } });
    expect(saved.status()).toBe(200);
    await agent.waitFor(/october\.csv \(Your profile 'ING NL joint'\): 2 transaction/);
    await expect.poll(amounts).toEqual([-23.1, 2500]);
    const listed: { activities: Activity[] } = await (await page.request.get("/api/activities?limit=50")).json();
    expect(listed.activities.map((a) => a.description ?? a.merchant)).toContain("Café de Jaren");
  } finally {
    agent.kill("SIGTERM");
    await agent.exited();
  }

  // Next month, the agent starts with a statement already waiting: it reads it with the profile state.db kept.
  writeFileSync(join(folder, "november.csv"), cp1252('"02-11-2026";"Betaalautomaat";"Albert Heijn 1234";"Af";"31,45";"3.945,45"'));
  agent.run(["start"]);
  try {
    await agent.waitFor(/november\.csv \(Your profile 'ING NL joint'\): 1 transaction/);
    await expect.poll(amounts).toEqual([-31.45, -23.1, 2500]);
  } finally {
    agent.kill("SIGTERM");
    await agent.exited();
  }
});
