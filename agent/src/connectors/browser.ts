import { z } from "zod";
import { ActionError, defineAction } from "./types.ts";
import type { Connector } from "./types.ts";
import { launchDetached, systemOpener } from "./launch.ts";

/** An http or https URL; anything else (file:, javascript:, custom schemes) could run code, so it is refused. */
const WebUrl = z
  .string()
  .max(8192)
  .refine((value) => URL.canParse(value) && ["http:", "https:"].includes(new URL(value).protocol), { error: "Give an http:// or https:// URL." })
  .describe("An http:// or https:// URL.");

/** The browser connector: opens a web page with the user's default browser. */
export function createBrowserConnector(): Connector {
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
          try {
            await launchDetached(command, args);
          } catch (error) {
            throw new ActionError("execution_failed", `Could not start ${command} to open the page (${error instanceof Error ? error.message : String(error)}).`);
          }
          return { url, opened: true };
        },
      }),
    },
  };
}
