import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { AgentProcess } from "./agent-process.ts";
import { registerNewUser } from "./register.ts";

// Activity is never lost and never stored twice: the agent sends a statement's transactions, the server stores
// and acks them, and the agent dies before it takes the ack in. Started again, it sends them again from its
// outbox, and the server still holds each transaction once.

const STATEMENT = `OFXHEADER:100
DATA:OFXSGML
VERSION:102

<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR<BANKACCTFROM><ACCTID>5555</BANKACCTFROM>
<BANKTRANLIST>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261101<TRNAMT>-9.99<FITID>CRASH-1<NAME>Streaming service</STMTTRN>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261102<TRNAMT>-64.20<FITID>CRASH-2<NAME>Supermarket</STMTTRN>
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261103<TRNAMT>1200.00<FITID>CRASH-3<NAME>Salary</STMTTRN>
</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
`;

/** The agent's log line for the statement's import: waited for once, and must not come again after the restart. */
const IMPORTED = /november\.ofx \(OFX\): 3 transaction/;

test("an agent killed after sending activity but before the ack resends it, and each event is stored once", async ({ page, baseURL }) => {
  test.setTimeout(90_000);
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  await registerNewUser(page, "activity-crash");
  const activityCount = async () => ((await (await page.request.get("/api/activities")).json()) as { activities: unknown[] }).activities.length;

  const agent = new AgentProcess();
  const folder = join(agent.root, "Statements");
  mkdirSync(folder);
  writeFileSync(join(folder, "november.ofx"), STATEMENT);
  writeFileSync(
    join(agent.home, "config.json"),
    JSON.stringify({ filesystem: { roots: [agent.root] }, local_endpoint: { port: 0 }, listeners: { statements: { enabled: true, folder } } }),
  );
  agent.run(["pair", "--server", baseURL, "--name", "Crash laptop"]);
  const [userCode] = await agent.waitFor(/[A-Z0-9]{4}-[A-Z0-9]{4}/);
  expect((await page.request.post("/api/pair/approve", { data: { user_code: userCode }, headers: { origin: baseURL } })).status()).toBe(200);
  expect(await agent.exited()).toBe(0);

  try {
    // First run: the server stores and acks the batch, but the agent acts as if it never saw the ack.
    agent.run(["start"], { HEARTH_DEBUG_IGNORE_ACTIVITY_ACKS: "1" });
    await agent.waitFor(IMPORTED);
    await expect.poll(activityCount, { timeout: 15_000 }).toBe(3);
    agent.kill("SIGKILL");
    await agent.exited();

    // Second run: the outbox goes again; the server keeps one of each; the file is not imported again.
    agent.run(["start"]);
    await agent.waitFor(/Sending \d+ stored frame\(s\)/);
    await agent.waitFor(/Connected to/);
    // The resent batch is acked this time: the agent's outbox (in its status file) empties.
    const outbox = () => (JSON.parse(readFileSync(join(agent.home, "status.json"), "utf8")) as { outbox: number }).outbox;
    await expect.poll(outbox, { timeout: 15_000 }).toBe(0);
    expect(await activityCount()).toBe(3);
    expect(agent.output).not.toMatch(IMPORTED);
  } finally {
    agent.kill("SIGTERM");
  }
});
