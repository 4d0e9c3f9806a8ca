import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { directionViolations, folderCycles, importEdges, packageImports, specifiers } from "./import-graph.mjs";

// The direction of imports (docs/architecture.md, "The direction of imports"): web → worker → relay → core →
// protocol, with the agent beside the cloud (protocol/ and core/'s importers only) and test/ under the cloud's
// tests; domain modules serve the routes and the relay, and never import a route file.
const root = fileURLToPath(new URL("..", import.meta.url));
const edges = importEdges(root);

describe("the direction of imports", () => {
  it("reads the real tree", () => {
    // A scan that found nothing would pass every rule below.
    expect(edges.length).toBeGreaterThan(500);
    expect(edges).toContainEqual({ from: "worker/src/activities/statement-read.ts", to: "core/src/importers/index.ts" });
    expect(edges).toContainEqual({ from: "relay/src/turns.ts", to: "core/src/assistant/graph.ts" });
    // agent/ resolves `#protocol` through its own package.json (the nearest one, as Node does), into a re-export
    // file of its own whose import is the agent → protocol edge.
    expect(edges).toContainEqual({ from: "agent/src/pair/pair.ts", to: "agent/src/deps/protocol.ts" });
    expect(edges).toContainEqual({ from: "agent/src/deps/protocol.ts", to: "protocol/src/index.ts" });
    expect(edges).toContainEqual({ from: "agent/src/deps/importers.ts", to: "core/src/importers/index.ts" });
  });

  it("has no import that breaks the direction", () => {
    expect(directionViolations(edges)).toEqual([]);
  });

  it("keeps protocol/ on zod alone (its tests live in test/protocol/)", () => {
    expect(packageImports(root, "protocol")).toEqual(["zod"]);
  });

  it("has no import cycle between top-level folders", () => {
    expect(folderCycles(edges)).toEqual([]);
  });
});

describe("the rules themselves", () => {
  it("catch each kind of bad import", () => {
    const bad = [
      { from: "worker/src/activities/import.ts", to: "agent/src/listeners/statements.ts" },
      { from: "web/src/lib/api.ts", to: "agent/src/cli.ts" },
      { from: "relay/src/index.ts", to: "agent/src/log.ts" },
      { from: "protocol/src/activity.ts", to: "core/src/db/schema.ts" },
      { from: "core/src/notifications/store.ts", to: "relay/src/index.ts" },
      { from: "relay/src/turns.ts", to: "worker/src/relay/stub.ts" },
      { from: "web/src/lib/api.ts", to: "core/src/db/index.ts" },
      { from: "agent/src/listeners/statements.ts", to: "core/src/db/schema.ts" },
      { from: "test/client.ts", to: "worker/src/app.ts" },
      { from: "worker/src/notifications/actions.ts", to: "worker/src/commands/routes.ts" },
      { from: "core/src/assistant/activity/lookup.ts", to: "worker/src/auth/passkey-routes.ts" },
    ];
    expect(directionViolations(bad).map((v) => v.rule)).toEqual([
      "worker/ imports agent/",
      "web/ imports agent/",
      "relay/ imports agent/",
      "protocol/ imports core/",
      "core/ imports relay/",
      "relay/ imports worker/",
      "web/ imports core/",
      "agent/ imports core/",
      "test/ imports worker/",
      "domain code imports a route file",
      "core/ imports worker/",
      "domain code imports a route file",
    ]);
    const allowed = [
      { from: "agent/src/listeners/statements.ts", to: "core/src/importers/index.ts" },
      { from: "web/src/lib/api.ts", to: "worker/src/app.ts" },
      { from: "relay/src/turns.ts", to: "core/src/assistant/graph.ts" },
      { from: "worker/src/index.ts", to: "relay/src/index.ts" },
      { from: "worker/src/app.ts", to: "worker/src/commands/routes.ts" },
      { from: "worker/src/account/index.ts", to: "worker/src/account/routes.ts" },
      { from: "worker/src/auth/routes.ts", to: "worker/src/auth/factor-routes.ts" },
      { from: "worker/src/http/route-sweep.test.ts", to: "worker/test/sweep/routes.ts" },
    ];
    expect(directionViolations(allowed)).toEqual([]);
  });

  it("find a new cycle, through a third folder too", () => {
    const loop = [
      { from: "relay/src/a.ts", to: "worker/src/b.ts" },
      { from: "worker/src/b.ts", to: "relay/src/a.ts" },
      { from: "web/src/c.ts", to: "protocol/src/d.ts" },
      { from: "protocol/src/d.ts", to: "agent/src/e.ts" },
      { from: "agent/src/e.ts", to: "web/src/c.ts" },
    ];
    expect(folderCycles(loop)).toEqual([["agent", "protocol", "web"], ["relay", "worker"]]);
  });

  it("read static, re-exported and dynamic imports, and a Svelte component's script, not comments", () => {
    const text = `// import { x } from "./commented.ts";\nimport a from "./a.ts";\nexport { b } from "./b.ts";\nconst c = await import("./c.ts");`;
    expect(specifiers("x.ts", text)).toEqual(["./a.ts", "./b.ts", "./c.ts"]);
    expect(specifiers("X.svelte", `<script lang="ts">\n  import { api } from "#lib/api.ts";\n</script>\n<p>import x from "./no.ts"</p>`)).toEqual(["#lib/api.ts"]);
  });
});
