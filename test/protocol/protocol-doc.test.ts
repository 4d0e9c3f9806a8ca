import { describe, expect, it } from "vitest";
import doc from "../../protocol/PROTOCOL.md?raw";
import { AgentFrame, BrowserFrame, HEARTBEAT_PING, HEARTBEAT_PONG, LocalAgentFrame, LocalClientFrame, RelayToAgentFrame, RelayToBrowserFrame } from "#protocol";
import type { z } from "zod";

const SCHEMAS: Record<string, z.ZodType> = {
  agent: AgentFrame,
  "relay-to-agent": RelayToAgentFrame,
  browser: BrowserFrame,
  "relay-to-browser": RelayToBrowserFrame,
  "local-client": LocalClientFrame,
  "local-agent": LocalAgentFrame,
};

const examples = [...doc.matchAll(/```json ([a-z-]+)\n([\s\S]*?)```/g)].map((m) => ({ direction: m[1] ?? "", text: m[2] ?? "" }));

describe("protocol/PROTOCOL.md", () => {
  it("has examples for every direction", () => {
    expect(new Set(examples.map((e) => e.direction))).toEqual(new Set(Object.keys(SCHEMAS)));
    expect(examples.length).toBeGreaterThan(15);
  });

  it.each(examples.map((e, i) => [i + 1, e.direction, e] as const))("example %i (%s) parses with its schema", (_n, direction, example) => {
    const schema = SCHEMAS[direction];
    if (!schema) throw new Error(`unknown direction ${direction}`);
    const json: unknown = JSON.parse(example.text.replace("<contents of local-token>", "token"));
    const parsed = schema.safeParse(json);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it("shows the heartbeat byte for byte", () => {
    expect(doc).toContain(`\`\`\`json agent\n${HEARTBEAT_PING}\n\`\`\``);
    expect(doc).toContain(`\`\`\`json relay-to-agent\n${HEARTBEAT_PONG}\n\`\`\``);
  });
});
