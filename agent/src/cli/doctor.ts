import { runDoctor } from "../doctor/index.ts";
import type { CheckStatus } from "../doctor/index.ts";
import { VERSION } from "../version.ts";
import { parseDuration, parseOptions } from "./args.ts";
import type { CliCommand } from "./args.ts";

const SYMBOL: Record<CheckStatus, string> = { ok: "✓", warn: "!", fail: "✗" };

/** How long each request to the server may take, unless --timeout says otherwise. */
const DEFAULT_TIMEOUT_MS = 5_000;

export const doctorCommand: CliCommand = {
  usage: `Usage: hearth doctor [--json] [--timeout 5s]

Checks what the agent needs and says how to fix each failure: the config, the pairing, the server (reachable,
this computer's token, the clock, a newer agent), the allowed folders, the shell's sandbox, the background
service, the local endpoint's port, and the settings folder's permissions.
✓ fine, ! worth knowing, ✗ broken. Exit code 0 when nothing is ✗, else 1.

Options:
  --json          One JSON object: {ok, checks: [{id, title, status, detail, fix}]}
  --timeout <d>   How long each request to the server may take (default 5s)
  -h, --help      Show this help`,
  run: async (argv, { out, env }) => {
    const { values } = parseOptions(argv, { json: { type: "boolean" }, timeout: { type: "string" } });
    const timeoutMs = values.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(values.timeout);
    const checks = await runDoctor({ env, timeoutMs, version: VERSION });
    const ok = checks.every((found) => found.status !== "fail");
    if (values.json) {
      out.log(JSON.stringify({ ok, checks }));
      return ok ? 0 : 1;
    }
    const width = Math.max(...checks.map((found) => found.title.length)) + 1;
    for (const found of checks) {
      out.log(`${SYMBOL[found.status]} ${`${found.title}:`.padEnd(width)} ${found.detail}`);
      if (found.fix && found.status !== "ok") out.log(`  ${" ".repeat(width)} → ${found.fix}`);
    }
    const failed = checks.filter((found) => found.status === "fail").length;
    out.log(failed === 0 ? "\nNothing broken." : `\n${failed} problem${failed === 1 ? "" : "s"} to fix (✗ above).`);
    return ok ? 0 : 1;
  },
};
