import { readFileSync } from "node:fs";
import { z } from "zod";
import { BUNDLE_VERSION } from "./build-info.ts";

/**
 * The agent's version: agent/package.json's, read once from the repo; the bundle has it baked in at build (a lone
 * hearth.cjs has no package.json beside it, and CommonJS has no `import.meta.url` to find one).
 */
export const VERSION: string = BUNDLE_VERSION ?? versionFromPackageJson();

function versionFromPackageJson(): string {
  const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
  return z.object({ version: z.string() }).parse(JSON.parse(text)).version;
}

/** The platform as the server shows it, e.g. "linux-x64"; also the key of the runtime in the agent's manifest. */
export const PLATFORM = `${process.platform}-${process.arch}`;
