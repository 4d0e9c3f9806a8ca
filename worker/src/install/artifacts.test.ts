import { describe, expect, it } from "vitest";
import fixtureManifest from "../../../test/fixtures/agent-build/agent/manifest.json";
import { MANIFEST_CACHE_MS, agentManifest } from "./artifacts.ts";

/** An assets binding serving one manifest (or the web app's page, as a build without an agent does), counting reads. */
function assetsWith(body: string, contentType: string) {
  const reads: string[] = [];
  const assets: Fetcher = {
    fetch: async (input) => {
      reads.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
      return new Response(body, { headers: { "content-type": contentType } });
    },
    connect: () => {
      throw new Error("the assets binding has no sockets");
    },
  };
  return { assets, reads };
}

describe("reading the build's manifest", () => {
  it("reads it once a minute at most per isolate, so a new deploy's agent is offered within a minute", async () => {
    const { assets, reads } = assetsWith(JSON.stringify(fixtureManifest), "application/json");
    const t0 = 1_000_000;
    expect((await agentManifest(assets, t0))?.version).toBe("0.2.0");
    expect((await agentManifest(assets, t0 + MANIFEST_CACHE_MS - 1))?.version).toBe("0.2.0");
    expect(reads).toEqual(["/agent/manifest.json"]);
    await agentManifest(assets, t0 + MANIFEST_CACHE_MS);
    expect(reads).toHaveLength(2);
    expect(MANIFEST_CACHE_MS).toBeLessThanOrEqual(60_000);
  });

  it("takes the web app's page, served for a missing file, as no build", async () => {
    const { assets } = assetsWith("<!doctype html><html></html>", "text/html; charset=utf-8");
    expect(await agentManifest(assets, 0)).toBeNull();
  });
});
