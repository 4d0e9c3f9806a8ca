import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { hearthCommand } from "../invocation.ts";
import { writePrivateFile } from "./private-file.ts";

/** credentials.json (mode 0600): what `hearth pair` received. The token is a secret: never print or log it. */
export const Credentials = z.object({
  server: z.url(),
  device_id: z.string().min(1),
  token: z.string().min(1),
  user_email: z.string(),
  paired_at: z.number().optional(),
});
export type Credentials = z.infer<typeof Credentials>;

/** Reads credentials.json; null when this computer is not paired. Throws when the file is damaged (`hearth`: how the user runs the agent, for the hint). */
export function loadCredentials(path: string, hearth: string = hearthCommand()): Credentials | null {
  if (!existsSync(path)) return null;
  const again = `Run \`${hearth} pair --server <url>\` again to replace it.`;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new Error(`${path} is damaged (not JSON). ${again}`);
  }
  const parsed = Credentials.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${path} is damaged (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}). ${again}`);
  }
  return parsed.data;
}

/** Stores credentials with mode 0600. */
export function saveCredentials(path: string, credentials: Credentials): void {
  writePrivateFile(path, `${JSON.stringify(credentials, null, 2)}\n`);
}
