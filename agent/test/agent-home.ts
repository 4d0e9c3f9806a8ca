import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { saveCredentials } from "../src/home/credentials.ts";
import { homePaths } from "../src/home/paths.ts";
import { tempDir } from "./temp.ts";

/**
 * A paired agent's home in a temporary folder: credentials for `server`, and a config.json whose only root is
 * `<home>/Documents` and whose local endpoint takes a free port. `home` doubles as the user's home folder.
 */
export async function agentHome(server: string, token = "secret-token", config: Record<string, unknown> = {}) {
  const home = await tempDir();
  const root = join(home, "Documents");
  await mkdir(root);
  const paths = homePaths(join(home, ".config", "hearth"));
  await mkdir(paths.dir, { recursive: true });
  saveCredentials(paths.credentials, { server, device_id: "device-1", token, user_email: "me@example.com" });
  await writeFile(paths.config, JSON.stringify({ filesystem: { roots: [root] }, local_endpoint: { port: 0 }, ...config }));
  return { home, root, paths };
}
