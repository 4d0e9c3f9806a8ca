import { readFileSync } from "node:fs";
import { z } from "zod";

/** The agent's version: the repo's package.json version, read once. */
export const VERSION: string = z
  .object({ version: z.string() })
  .parse(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"))).version;

/** The platform as the server shows it, e.g. "linux-x64". */
export const PLATFORM = `${process.platform}-${process.arch}`;
