import { z } from "zod";
import { ActionError, defineAction } from "./types.ts";
import type { Connector } from "./types.ts";
import { DEFAULT_OPTIONS } from "../defaults.ts";
import { runSystemHandler, systemOpener } from "./launch.ts";

/** An http or https URL; anything else (file:, javascript:, custom schemes) could run code, so it is refused. */
const WebUrl = z
  .string()
  .max(8192)
  .refine((value) => URL.canParse(value) && ["http:", "https:"].includes(new URL(value).protocol), { error: "Give an http:// or https:// URL." })
  .describe("An http:// or https:// URL.");

export type BrowserOptions = { settleMs?: number };

/** The browser connector: opens a web page with the user's default browser. */
export function createBrowserConnector(options: BrowserOptions = {}): Connector {
  return {
    target: "browser",
    description: "Open web pages in the default browser.",
    actions: {
      open: defineAction({
        description: "Open an http(s) URL in the default browser.",
        readOnly: false,
        parameters: z.object({ url: WebUrl }),
        scopes: (params) => [new URL(params.url).href],
        run: async (params) => {
          const url = new URL(params.url).href;
          const [command, args] = systemOpener(url);
          let outcome;
          try {
            outcome = await runSystemHandler(command, args, options.settleMs ?? DEFAULT_OPTIONS.browserHandlerSettle);
          } catch (error) {
            throw new ActionError("execution_failed", `Could not start ${command} to open the page (${error instanceof Error ? error.message : String(error)}).`);
          }
          // The handler's verdict is the answer: "opened" only when it said so by exiting 0 (or is still running).
          if (outcome.status === "exited" && outcome.code !== 0) {
            const how = outcome.code === null ? `was stopped by ${outcome.signal ?? "a signal"}` : `exited with code ${outcome.code}`;
            const said = outcome.stderr ? `: ${outcome.stderr}` : "";
            throw new ActionError("execution_failed", `The page was not opened: ${command} ${how}${said}. Check that a default web browser is set on this computer.`);
          }
          return { url, opened: true };
        },
      }),
    },
  };
}
