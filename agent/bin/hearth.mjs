#!/usr/bin/env node
// The `hearth` command from the repo. Node 22 runs the TypeScript sources directly (type stripping); installed
// computers run the one-file bundle built from the same sources (scripts/build-agent.mjs, src/bundle-entry.ts).
import { filterSqliteWarning } from "../src/warnings.ts";

filterSqliteWarning();
const { main } = await import("../src/cli.ts");
process.exitCode = await main(process.argv.slice(2));
// The command is finished. Whatever still holds the event loop (a reconnect backoff timer, an idle keep-alive
// socket) has nothing left to do, so do not let it keep the process around; this timer does not hold it either.
setTimeout(() => process.exit(), 200).unref();
