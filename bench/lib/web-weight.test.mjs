import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { gzipSize, measureBuild } from "./web-weight.mjs";

/** A build laid out as SvelteKit's static adapter writes it, with only the parts web-weight reads. */
function fakeBuild(files) {
  const root = mkdtempSync(join(tmpdir(), "hearth-web-weight-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

// The figure must count what a page loads at start-up (preloads, its route's nodes, their static imports) and not
// what it loads later (a chart library behind import()), or moving a library behind import() would change nothing.
describe("bench/lib/web-weight.mjs measureBuild", () => {
  it("counts each route's nodes and static imports on top of the preloads, and leaves out dynamic imports", () => {
    const big = `export const chart = "${"x".repeat(5000)}";`;
    const root = fakeBuild({
      "index.html": `<link href="/_app/immutable/entry/start.A.js" rel="modulepreload"><link href="/_app/immutable/nodes/0.B.js" rel="modulepreload"><script>import("/_app/immutable/entry/start.A.js").then(async () => { await import("/_app/immutable/entry/app.C.js"); })</script>`,
      "_app/immutable/entry/start.A.js": `import{a}from"../chunks/kit.js";export{a};`,
      "_app/immutable/entry/app.C.js": `const n=[()=>import(\`../nodes/0.B.js\`),()=>import(\`../nodes/1.D.js\`),()=>import(\`../nodes/2.E.js\`)],i={"/":[2],"/(app)/dashboard":[1,[2]]};export{i as dictionary,n as nodes};`,
      "_app/immutable/chunks/kit.js": `export const a=1;`,
      "_app/immutable/nodes/0.B.js": `import"../chunks/kit.js";export{};`,
      "_app/immutable/nodes/1.D.js": `import{z}from"../chunks/zod.js";const load=()=>import("../chunks/chart.js");export{z,load};`,
      "_app/immutable/nodes/2.E.js": `export const layout=1;`,
      "_app/immutable/chunks/zod.js": `export const z=2;`,
      "_app/immutable/chunks/chart.js": big,
    });
    const { floor, routes } = measureBuild(root);
    const preloads = ["_app/immutable/entry/start.A.js", "_app/immutable/nodes/0.B.js", "_app/immutable/entry/app.C.js", "_app/immutable/chunks/kit.js"];
    expect(floor.files.sort()).toEqual([...preloads].sort());
    expect(routes["/(app)/dashboard"].files.sort()).toEqual(
      [...preloads, "_app/immutable/nodes/2.E.js", "_app/immutable/nodes/1.D.js", "_app/immutable/chunks/zod.js"].sort(),
    );
    expect(routes["/(app)/dashboard"].files).not.toContain("_app/immutable/chunks/chart.js");
    const sum = (files) => files.reduce((total, file) => total + gzipSize(root, file), 0);
    expect(routes["/(app)/dashboard"].bytes).toBe(sum(routes["/(app)/dashboard"].files));
    expect(floor.bytes).toBe(sum(preloads));
    expect(routes["/"].files.sort()).toEqual([...preloads, "_app/immutable/nodes/2.E.js"].sort());
  });
});
