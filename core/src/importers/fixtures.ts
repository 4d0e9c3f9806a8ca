import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The shared real-world fixtures (`../shared/fixtures` next to the project, read where they stand and never
 * copied in). HEARTH_FIXTURES overrides the place.
 */
export function fixturesDir(): string {
  const root = fileURLToPath(new URL("../../..", import.meta.url));
  const candidates = [process.env.HEARTH_FIXTURES, join(root, "..", "shared", "fixtures"), "/work/shared/fixtures"].filter((p): p is string => !!p);
  const found = candidates.find((dir) => existsSync(join(dir, "SOURCES.md")));
  if (!found) throw new Error(`The shared fixtures are not at ${candidates.join(" or ")}; set HEARTH_FIXTURES to their folder.`);
  return found;
}
