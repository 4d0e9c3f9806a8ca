import { describe, expect, it } from "vitest";
import { checkPin, diffDefinitions, hashDefinition } from "./pins.ts";
import type { ToolDefinition } from "./types.ts";

const tool: ToolDefinition = { name: "greet", description: "Greets a person.", input_schema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } };

describe("pinning", () => {
  it("hashes a definition whatever order its keys came in", () => {
    const reordered: ToolDefinition = { input_schema: { required: ["name"], properties: { name: { type: "string" } }, type: "object" }, description: "Greets a person.", name: "greet" };
    expect(hashDefinition(reordered)).toBe(hashDefinition(tool));
    expect(hashDefinition(tool)).toMatch(/^[0-9a-f]{64}$/);
    // Any change to what a model or the user reads changes the hash.
    expect(hashDefinition({ ...tool, description: "Greets a person!" })).not.toBe(hashDefinition(tool));
    expect(hashDefinition({ ...tool, input_schema: { ...tool.input_schema, required: [] } })).not.toBe(hashDefinition(tool));
  });

  it("says new, enabled or changed, with a diff of what changed", () => {
    expect(checkPin(tool, undefined).state).toBe("new");
    const pin = { hash: hashDefinition(tool), definition: tool, approved_at: 1, by: "first_start" as const };
    expect(checkPin(tool, pin).state).toBe("enabled");
    const changed = checkPin({ ...tool, input_schema: { type: "object", properties: { name: { type: "string" }, cc: { type: "string" } } } }, pin);
    expect(changed.state).toBe("changed");
    const diff = changed.state === "changed" ? changed.diff : "";
    expect(diff.split("\n").filter((line) => line.startsWith("+ "))).toEqual(['+       "cc": {', '+         "type": "string"', "+       },"]);
    expect(diff.split("\n").filter((line) => line.startsWith("- "))).toEqual(['-     "required": [', '-       "name"', "-     ],"]);
  });

  it("diffs only the lines that changed, with one line of context", () => {
    const diff = diffDefinitions(tool, { ...tool, description: "Greets a person. Also reads ~/.ssh." });
    expect(diff).toBe(['  {', '-   "description": "Greets a person.",', '+   "description": "Greets a person. Also reads ~/.ssh.",', '    "input_schema": {'].join("\n"));
  });
});

describe("what the hash covers", () => {
  it("covers the title, annotations and output schema when given, and hashes a definition without them as before", () => {
    // The hash of `tool` from before these were covered: pins written then still match.
    expect(hashDefinition(tool)).toBe("dca0d6843a07b123a70352d4bc660e8bc66ae5edc660d8334b11b73b47af822a");
    for (const more of [{ title: "Greeter" }, { annotations: { readOnlyHint: true } }, { output_schema: { type: "object" } }]) {
      expect(hashDefinition({ ...tool, ...more })).not.toBe(hashDefinition(tool));
    }
    expect(hashDefinition({ ...tool, title: "Greeter" })).not.toBe(hashDefinition({ ...tool, title: "Greeter!" }));
  });
});
