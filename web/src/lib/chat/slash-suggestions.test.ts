import { describe, expect, it } from "vitest";
import type { ConnectorDescriptor, DeviceView } from "#protocol";
import { bridgedTools, slashSuggestions } from "./slash-suggestions.ts";

// What the composer offers after "/": the built-in slash commands a device can run, and each bridged MCP tool as
// `/tool <server>.<tool>`, never the `mcp` management connector's actions.

const action = (name: string, mcpTool?: string, description = "") => ({ action: name, description, read_only: false, parameters: {}, ...(mcpTool ? { mcp_tool: mcpTool } : {}) });
const device = (status: DeviceView["status"], connectors: ConnectorDescriptor[]) => ({ status, connectors });

const laptop = device("online", [
  { target: "filesystem", description: "", actions: [action("list")] },
  { target: "files", description: "", actions: [action("list_directory", "list_directory", "Get a detailed listing of all files and directories in a specified path."), action("read_text_file", "read-text-file", "Read a file"), action("send_mail", "send mail")] },
  { target: "mcp", description: "", actions: [action("add", "add"), action("remove")] },
]);
const desktop = device("offline", [{ target: "files", description: "", actions: [action("list_directory", "list_directory", "Another description")] }]);
const revoked = device("revoked", [{ target: "notes", description: "", actions: [action("search", "search")] }]);

describe("slash suggestions", () => {
  it("lists each bridged tool once by its MCP name, leaving out the mcp connector and revoked devices", () => {
    expect(bridgedTools([laptop, desktop, revoked])).toEqual([
      { server: "files", tool: "list_directory", description: "Get a detailed listing of all files and directories in a specified path." },
      { server: "files", tool: "read-text-file", description: "Read a file" },
      { server: "files", tool: "send_mail", description: "" }, // "send mail" is typed as its action
    ]);
  });

  it("offers the tools under /tool after a bare slash, among the other commands", () => {
    const all = slashSuggestions("/", [laptop]);
    expect(all.map((s) => s.usage)).toEqual(["/ls <folder>", "/tool files.list_directory {json}", "/tool files.read-text-file {json}", "/tool files.send_mail {json}", "/help"]);
    expect(all[1]).toEqual({
      key: "tool:files.list_directory",
      usage: "/tool files.list_directory {json}",
      does: "Get a detailed listing of all files and directories in a specified path.",
      insert: "/tool files.list_directory ",
    });
    expect(slashSuggestions("/mc", [laptop]).map((s) => s.key)).toEqual(["tool:files.list_directory", "tool:files.read-text-file", "tool:files.send_mail"]);
    expect(slashSuggestions("/l", [laptop]).map((s) => s.key)).toEqual(["ls"]);
  });

  it("reads the devices as the relay keeps them (a Map's values, read once)", () => {
    const live = new Map([["laptop", laptop]]);
    expect(slashSuggestions("/", live.values()).map((s) => s.key)).toEqual(["ls", "tool:files.list_directory", "tool:files.read-text-file", "tool:files.send_mail", "help"]);
  });

  it("narrows to the tools whose server.tool starts with what follows /tool", () => {
    expect(slashSuggestions("/tool files.r", [laptop]).map((s) => s.insert)).toEqual(["/tool files.read-text-file "]);
    expect(slashSuggestions("/tool nothing", [laptop])).toEqual([]);
    expect(slashSuggestions("/tool files.list_directory {", [laptop])).toEqual([]);
  });

  it("offers no /tool without a bridged tool, and nothing for ordinary text", () => {
    const plain = device("online", [{ target: "filesystem", description: "", actions: [action("list")] }]);
    expect(slashSuggestions("/t", [plain])).toEqual([]);
    expect(slashSuggestions("list my files", [laptop])).toEqual([]);
  });

  it("cuts a long description, which stays plain text", () => {
    const long = device("online", [{ target: "x", description: "", actions: [action("t", "t", `<b>${"word ".repeat(40)}</b>`)] }]);
    const [line] = slashSuggestions("/tool x.", [long]);
    expect(line?.does).toHaveLength(80);
    expect(line?.does.startsWith("<b>word")).toBe(true);
    expect(line?.does.endsWith("…")).toBe(true);
  });
});
