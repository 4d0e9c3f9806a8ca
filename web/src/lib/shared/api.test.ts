import { Hono } from "hono";
import { hc } from "hono/client";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ApiFailure, callParsed } from "./api.ts";

// `callParsed` loads a page's answer schemas while the request runs. When the request succeeded but the schema
// did not load, the change is stored: the user must be told so, never "can't reach Hearth" (a retry would duplicate it).

/** A stand-in server for the page's request (hono's own client calls it, as `api` calls Hearth). */
const server = new Hono().post("/things", (c) => c.json({ id: "a1" }, 201));
const client = hc<typeof server>("http://hearth.test", { fetch: (input: RequestInfo | URL, init?: RequestInit) => server.request(input, init) });
const answered = () => client.things.$post();
const Created = z.object({ id: z.string() });

async function failureOf(work: Promise<unknown>): Promise<ApiFailure> {
  const failure = await work.then(
    () => null,
    (error: unknown) => error,
  );
  if (!(failure instanceof ApiFailure)) throw new Error(`expected an ApiFailure, got ${String(failure)}`);
  return failure;
}

describe("callParsed", () => {
  it("parses the answer with a schema that loads while the request runs", async () => {
    expect(await callParsed(answered(), Promise.resolve(Created))).toEqual({ id: "a1" });
  });

  it("says a stored change was stored when only the page's schema failed to load", async () => {
    const failure = await failureOf(callParsed(answered(), Promise.reject(new Error("Failed to fetch dynamically imported module"))));
    expect(failure.code).toBe("out_of_date");
    expect(failure.message).toMatch(/^Done/);
    expect(failure.message).toMatch(/reload/i);
    expect(failure.message).not.toMatch(/can't reach/i);
  });

  it("still says Hearth was not reached when the request itself failed", async () => {
    const failure = await failureOf(callParsed(Promise.reject(new TypeError("Failed to fetch")), Promise.resolve(Created)));
    expect(failure).toMatchObject({ code: "network", message: expect.stringMatching(/can't reach Hearth/i) });
  });
});
