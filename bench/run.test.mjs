import { describe, expect, it } from "vitest";
import { runEach } from "./run.mjs";

// `npm run bench` once died at the first benchmark that could not load (an import chain reaching `cloudflare:`),
// with no summary: every benchmark must run to the summary, and a failing one is a FAILED row with its error.
describe("bench/run.mjs runEach", () => {
  it("reports a benchmark that fails to load, by name and error, and still runs the ones after it", async () => {
    const rows = [];
    const loaded = [];
    const load = async (name) => {
      loaded.push(name);
      if (name === "assistant") throw new Error("ERR_UNSUPPORTED_ESM_URL_SCHEME: Received protocol 'cloudflare:'");
      return { run: async () => [{ bench: name, figure: "p50", value: "1 ms", baseline: "1 ms", ratio: "1.00" }] };
    };
    const failed = await runEach(["assistant", "ingest"], {}, rows, load);
    expect(failed).toBe(true);
    expect(loaded).toEqual(["assistant", "ingest"]);
    expect(rows).toEqual([
      { bench: "assistant", figure: "FAILED", value: expect.stringContaining("cloudflare:"), baseline: "", ratio: "" },
      { bench: "ingest", figure: "p50", value: "1 ms", baseline: "1 ms", ratio: "1.00" },
    ]);
  });

  it("reports a benchmark that throws while measuring, and says nothing failed when none did", async () => {
    const rows = [];
    const load = async (name) => ({ run: async () => { if (name === "ingest") throw new Error("server gone"); return []; } });
    expect(await runEach(["ingest", "notifications"], {}, rows, load)).toBe(true);
    expect(rows.map((r) => [r.bench, r.figure, r.value])).toEqual([["ingest", "FAILED", "server gone"]]);
    expect(await runEach(["notifications"], {}, [], load)).toBe(false);
  });
});
