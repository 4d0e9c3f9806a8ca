// The entry of the one-file bundle (scripts/build-agent.mjs → hearth.cjs): what bin/hearth.mjs does, in a form
// that CommonJS allows (no top-level await). The warning filter comes first, before anything loads node:sqlite.
import { filterSqliteWarning } from "./warnings.ts";

filterSqliteWarning();
import("./cli.ts")
  .then(({ main }) => main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
    // As in bin/hearth.mjs: nothing left to do may keep the process around (a backoff timer, a keep-alive socket).
    setTimeout(() => process.exit(), 200).unref();
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
