import { describe, expect, it } from "vitest";
import type { McpServerStatus } from "#protocol";
import type { Connector } from "../connectors/types.ts";
import { fitOffers } from "./offers.ts";

const LIMITS = { folders: null, shell_programs: null, apps: [], off: {}, config_path: "config.json" };

/** A connector whose one action's schema takes about `kib` KiB. */
function connector(target: string, kib: number): Connector {
  const action = { description: "d", readOnly: false, jsonSchema: { type: "object", description: "x".repeat(kib * 1024) }, prepare: async () => ({ ok: false as const, error: { code: "execution_failed" as const, message: "unused" } }) };
  return { target, description: target, actions: { act: action } };
}

const state = (name: string, diff = ""): McpServerStatus => ({
  name,
  transport: "stdio",
  display: "x",
  state: "running",
  error: null,
  restarts: 0,
  next_retry_at: null,
  tools: [{ tool: "t", action: "t", description: "d", state: "changed", hash: "a".repeat(64), diff, read_only: false, hints: {} }],
});

describe("fitting what the agent offers into one frame", () => {
  it("leaves out the last servers' connectors until hello fits, never the mcp connector", () => {
    const { offers, leftOut } = fitOffers([connector("filesystem", 1)], [connector("mcp", 1), connector("big", 600), connector("bigger", 600)], [state("big"), state("bigger")], LIMITS);
    expect(offers.connectors.map((c) => c.target)).toEqual(["filesystem", "mcp", "big"]);
    expect(leftOut).toEqual(["bigger"]);
    expect(offers.mcp_servers.map((s) => s.name)).toEqual(["big", "bigger"]);
  });

  it("drops the diffs, then the states, when they alone are too much; offers everything when it fits", () => {
    const big = Array.from({ length: 20 }, (_, i) => state(`s${i}`, "d".repeat(7_900)));
    expect(fitOffers([], [connector("mcp", 1)], big, LIMITS).leftOut).toEqual([]);
    const huge = Array.from({ length: 20 }, (_, i) => ({ ...state(`s${i}`), tools: Array.from({ length: 200 }, () => state("x", "d".repeat(300)).tools[0]).filter((t) => t !== undefined) }));
    const fitted = fitOffers([], [connector("mcp", 1)], huge, LIMITS);
    expect(fitted.leftOut).toEqual(["the tools' diffs"]);
    expect(fitted.offers.mcp_servers[0]?.tools[0]?.diff).toBeUndefined();
  });

  it("past 50 servers (a flood of requests from the web), leaves out the last states only, and keeps every connector", () => {
    const tooMany = Array.from({ length: 53 }, (_, i) => state(`s${i}`, "d"));
    const { offers, leftOut } = fitOffers([], [connector("mcp", 1), connector("s0", 1)], tooMany, LIMITS);
    expect(offers.mcp_servers.map((s) => s.name)).toEqual(tooMany.slice(0, 50).map((s) => s.name));
    expect(offers.mcp_servers[0]?.tools[0]?.diff).toBe("d");
    expect(offers.connectors.map((c) => c.target)).toEqual(["mcp", "s0"]);
    expect(leftOut).toEqual(["the states of s50, s51, s52"]);
  });

  it("when the states are too large even without diffs, drops them from the end, not all of them", () => {
    const tool = (i: number): McpServerStatus["tools"][number] => ({ tool: `t${i}`, action: `t${i}`, description: "x".repeat(500), state: "changed", hash: "a".repeat(64), read_only: false, hints: {} });
    const huge = Array.from({ length: 20 }, (_, i): McpServerStatus => ({ ...state(`s${i}`), tools: Array.from({ length: 200 }, (_, t) => tool(t)) }));
    const { offers, leftOut } = fitOffers([], [connector("mcp", 1)], huge, LIMITS);
    expect(offers.mcp_servers.length).toBeGreaterThan(0);
    expect(offers.mcp_servers.length).toBeLessThan(20);
    expect(offers.mcp_servers.map((s) => s.name)).toEqual(huge.slice(0, offers.mcp_servers.length).map((s) => s.name));
    expect(leftOut).toEqual(["the tools' diffs", expect.stringMatching(/^the states of s\d+, .*s19$/)]);
  });
});
