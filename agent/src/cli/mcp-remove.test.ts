import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hearth } from "../../test/hearth-process.ts";
import { tempDir } from "../../test/temp.ts";
import { homePaths } from "../home/paths.ts";

describe("hearth mcp remove", { timeout: 30_000 }, () => {
  it("only edits config.json: a damaged pins file does not fail it (the agent forgets the pins, at once or at its next start)", async () => {
    const dir = await tempDir();
    const paths = homePaths(join(dir, "hearth"));
    await mkdir(paths.dir, { recursive: true });
    await writeFile(paths.config, JSON.stringify({ mcp_servers: { files: { command: "npx", args: ["-y", "x"] } } }));
    await writeFile(paths.mcpPins, "{ damaged");
    const removed = await hearth(["mcp", "remove", "files"], { HEARTH_HOME: paths.dir, npm_command: "exec" });
    expect(removed).toMatchObject({ code: 0, stdout: expect.stringContaining(`Removed the MCP server "files"`) });
    expect(JSON.parse(await readFile(paths.config, "utf8")).mcp_servers).toEqual({});
    // The damaged file is left for the user to fix, as everywhere else.
    expect(await readFile(paths.mcpPins, "utf8")).toBe("{ damaged");
  });
});
