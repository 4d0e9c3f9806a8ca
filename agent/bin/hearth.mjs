#!/usr/bin/env node
// The `hearth` command. Node 22 runs the TypeScript sources directly (type stripping), so there is no build step.

// node:sqlite prints an ExperimentalWarning on Node 22; it is expected, so keep it out of the user's terminal.
// Node's default printer is a 'warning' listener: replace it with one that skips just that warning.
const [defaultPrinter] = process.listeners("warning");
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  if (warning.name === "ExperimentalWarning" && /SQLite/i.test(warning.message)) return;
  if (defaultPrinter) defaultPrinter.call(process, warning);
  else console.error(warning);
});

const { main } = await import("../src/cli.ts");
process.exitCode = await main(process.argv.slice(2));
// The command is finished. Whatever still holds the event loop (a reconnect backoff timer, an idle keep-alive
// socket) has nothing left to do, so do not let it keep the process around; this timer does not hold it either.
setTimeout(() => process.exit(), 200).unref();
