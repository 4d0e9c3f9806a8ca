import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importEdges } from "../../scripts/import-graph.mjs";
import { SNAPSHOT_PARTS } from "./proc.mjs";

// The benchmarks run a copy of the code (proc.mjs's snapshot). A folder the worker or the agent imports but the copy
// leaves out fails every benchmark at start ("Could not resolve …"), as core/ did when it was new.
const root = fileURLToPath(new URL("../..", import.meta.url));

/** The top-level folders reachable by imports from the given entry files. */
function foldersReachedFrom(entries) {
  const next = new Map();
  for (const { from, to } of importEdges(root)) {
    if (!next.has(from)) next.set(from, []);
    next.get(from).push(to);
  }
  const seen = new Set(entries);
  const stack = [...entries];
  while (stack.length > 0) for (const to of next.get(stack.pop()) ?? []) if (!seen.has(to)) seen.add(to), stack.push(to);
  return [...new Set([...seen].map((path) => path.split("/")[0]))].sort();
}

describe("the benchmarks' code snapshot", () => {
  it("holds every folder the worker's bundle and the agent import", () => {
    const reached = foldersReachedFrom(["worker/src/index.ts", "agent/bin/hearth.mjs"]);
    expect(reached).toEqual(expect.arrayContaining(["worker", "relay", "core", "protocol", "agent"]));
    expect(reached.filter((folder) => !SNAPSHOT_PARTS.includes(folder))).toEqual([]);
  });
});
