import { accessSync, constants, realpathSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BUNDLE_VERSION } from "./build-info.ts";

// Every hint the agent prints ("run `hearth start`") must be what this user can type. From the repo, as the README
// sets it up, that is `npx hearth …` (`hearth` is not on PATH); after `npm link` or a global install it is `hearth`.
// The bundle (hearth.cjs) is what the install scripts put on a computer, with the `hearth` launcher: it says `hearth`.

/**
 * The command that runs this agent for the user who started it: `npx hearth` when npm started it (npx and
 * `npm exec` set npm_command=exec), `hearth` when that name on PATH is this agent, else `npx hearth`, the README's way.
 * @example `Run \`${hearthCommand(env)} start\`.` // "Run `npx hearth start`." from the repo
 */
export function hearthCommand(env: NodeJS.ProcessEnv = process.env): string {
  if (BUNDLE_VERSION !== null) return "hearth";
  if (env.npm_command === "exec") return "npx hearth";
  const path = env.PATH ?? "";
  // Hints are built on many paths (start-up, every credentials read): the PATH is looked through once per value.
  let answer = ANSWERS.get(path);
  if (answer === undefined) {
    answer = onPath(path) ? "hearth" : "npx hearth";
    ANSWERS.set(path, answer);
  }
  return answer;
}

const ANSWERS = new Map<string, string>();

/** Whether `hearth` on this PATH is this very agent (a symlink to its bin, as `npm link` makes). */
function onPath(path: string): boolean {
  // Only the sources get here: the bundle is CommonJS, where `import.meta.url` does not exist.
  const self = realpathSync(fileURLToPath(new URL("../bin/hearth.mjs", import.meta.url)));
  return path
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => {
      const candidate = join(dir, "hearth");
      try {
        accessSync(candidate, constants.X_OK);
        return realpathSync(candidate) === self;
      } catch {
        return false;
      }
    });
}
