/**
 * Keeps node:sqlite's ExperimentalWarning out of the user's terminal (it is expected on Node 22). Node's default
 * printer is a 'warning' listener: it is replaced with one that skips just that warning. Call before node:sqlite loads.
 */
export function filterSqliteWarning(): void {
  const [defaultPrinter] = process.listeners("warning");
  process.removeAllListeners("warning");
  process.on("warning", (warning) => {
    if (warning.name === "ExperimentalWarning" && /SQLite/i.test(warning.message)) return;
    if (defaultPrinter) defaultPrinter.call(process, warning);
    else console.error(warning);
  });
}
