import { describe, expect, it } from "vitest";
import { base64Bytes, fileNameOf, isMcpResult, readMcpResult, webAddress } from "./mcp-result.ts";
import { resultView } from "./view.ts";

// An MCP tool's result comes from a third-party program: what it shows, and what it must never turn into (a
// script-carrying SVG, a javascript: link, a page rendered from a blob).

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

describe("an MCP tool's result", () => {
  it("keeps text as text, in order, whatever it looks like", () => {
    const view = readMcpResult({ mcp: true, content: [{ type: "text", text: "[DIR] taxes\n[FILE] a.txt" }, { type: "text", text: "<b>not bold</b> **nor this**" }] });
    expect(view).toEqual({
      pieces: [
        { kind: "text", text: "[DIR] taxes\n[FILE] a.txt" },
        { kind: "text", text: "<b>not bold</b> **nor this**" },
      ],
      structured: null,
    });
  });

  it("shows PNG, JPEG, GIF and WebP images as data URLs, and anything else (SVG) only as a note", () => {
    const view = readMcpResult({
      mcp: true,
      content: [
        { type: "image", mime_type: "image/png", data: PNG },
        { type: "image", mime_type: "image/svg+xml", data: "PHN2Zz48L3N2Zz4=" },
        { type: "image", mime_type: "image/jpeg", data: "not base64!" },
      ],
    });
    expect(view?.pieces[0]).toEqual({ kind: "image", src: `data:image/png;base64,${PNG}`, mimeType: "image/png" });
    expect(view?.pieces[1]).toMatchObject({ kind: "note", text: expect.stringContaining("image/svg+xml") });
    expect(view?.pieces[2]).toMatchObject({ kind: "note", text: expect.stringContaining("not valid base64") });
  });

  it("plays audio/* only, from base64", () => {
    const view = readMcpResult({ mcp: true, content: [{ type: "audio", mime_type: "audio/wav", data: "UklGRg==" }, { type: "audio", mime_type: "text/html", data: "PGgxPg==" }] });
    expect(view?.pieces[0]).toEqual({ kind: "audio", src: "data:audio/wav;base64,UklGRg==", mimeType: "audio/wav" });
    expect(view?.pieces[1]?.kind).toBe("note");
  });

  it("shows a text resource as text, and a binary one as a download that is never rendered", () => {
    const view = readMcpResult({
      mcp: true,
      content: [
        { type: "resource", uri: "test://static/resource/1", mime_type: "text/plain", text: "Resource 1" },
        { type: "resource", uri: "file:///tmp/page%20one.html", mime_type: "text/html", blob: "PGgxPmhpPC9oMT4=" },
        { type: "resource", uri: "test://empty" },
      ],
    });
    expect(view?.pieces[0]).toEqual({ kind: "resource", uri: "test://static/resource/1", text: "Resource 1", mimeType: "text/plain" });
    expect(view?.pieces[1]).toEqual({
      kind: "download",
      uri: "file:///tmp/page%20one.html",
      href: "data:application/octet-stream;base64,PGgxPmhpPC9oMT4=",
      filename: "page one.html",
      bytes: 11,
    });
    expect(view?.pieces[2]).toMatchObject({ kind: "note", text: expect.stringContaining("test://empty") });
  });

  it("links a resource link only when it is an http(s) address", () => {
    const view = readMcpResult({
      mcp: true,
      content: [
        { type: "resource_link", uri: "https://example.com/doc", name: "Doc", description: "A page" },
        { type: "resource_link", uri: "javascript:alert(1)", name: "Click me" },
        { type: "resource_link", uri: "file:///etc/passwd", name: "passwd" },
      ],
    });
    expect(view?.pieces[0]).toEqual({ kind: "link", uri: "https://example.com/doc", name: "Doc", description: "A page", href: "https://example.com/doc" });
    expect(view?.pieces[1]).toMatchObject({ kind: "link", href: null });
    expect(view?.pieces[2]).toMatchObject({ kind: "link", href: null, uri: "file:///etc/passwd" });
  });

  it("says what was left out, and keeps structured content as JSON", () => {
    const view = readMcpResult({ mcp: true, content: [{ type: "omitted", kind: "image", reason: "the result was over 512 KiB" }], structured_content: { total: 3 } });
    expect(view).toEqual({ pieces: [{ kind: "note", text: "image left out: the result was over 512 KiB" }], structured: '{\n  "total": 3\n}' });
  });

  it("is not an MCP result without `mcp: true` and a content list", () => {
    expect(readMcpResult({ content: [] })).toBeNull();
    expect(readMcpResult({ mcp: true })).toBeNull();
    expect(readMcpResult("text")).toBeNull();
    expect(isMcpResult({ mcp: true, content: [] })).toBe(true);
    expect(isMcpResult({ mcp: "yes" })).toBe(false);
  });
});

describe("the card of a bridged tool's command", () => {
  it("shows the pieces whatever the server and tool are called, without a raw JSON copy of the images", () => {
    const { view, raw } = resultView({ target: "files", action: "list_directory", result: { mcp: true, content: [{ type: "image", mime_type: "image/png", data: PNG }] } });
    expect(view.kind).toBe("mcp");
    expect(raw).toBeNull();
  });
});

describe("the helpers", () => {
  it("reads only http(s) as a web address", () => {
    expect(webAddress("http://localhost:3000/x")).toBe("http://localhost:3000/x");
    expect(webAddress("data:text/html,hi")).toBeNull();
    expect(webAddress("not a url")).toBeNull();
  });

  it("makes a download's name safe", () => {
    expect(fileNameOf("file:///a/b/report.pdf")).toBe("report.pdf");
    expect(fileNameOf("test://x/..%2F..%2Fetc")).toBe("_.._etc");
    expect(fileNameOf("test://")).toBe("resource");
    expect(fileNameOf("x://y/%E0%A4%A")).toBe("_E0_A4_A");
  });

  it("counts base64 bytes", () => {
    expect(base64Bytes("")).toBe(0);
    expect(base64Bytes("YQ==")).toBe(1);
    expect(base64Bytes("YWI=")).toBe(2);
    expect(base64Bytes("YWJj")).toBe(3);
  });
});
