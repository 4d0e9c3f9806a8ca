import { describe, expect, it } from "vitest";
import { describeSpec, redactor } from "./display.ts";

describe("what a server shows", () => {
  it("shows the command with secret arguments hidden", () => {
    const spec = { command: "npx", args: ["-y", "some-server", "--api-key", "abcd1234", "--token=zz-99-zz", "~/My Notes", "--keyboard-layout", "dvorak"], env: { SECRET: "env-value-1" } };
    expect(describeSpec(spec)).toBe('npx -y some-server --api-key *** --token=*** "~/My Notes" --keyboard-layout dvorak');
    expect(redactor(spec)("auth failed for abcd1234 with env-value-1")).toBe("auth failed for *** with ***");
  });

  it("shows an address without credentials, query or fragment", () => {
    const spec = { url: "https://me:hunter2-long@example.com/mcp?key=abcd-1234#x", headers: { Authorization: "Bearer tok-123456789" } };
    expect(describeSpec(spec)).toBe("https://example.com/mcp?…");
    expect(redactor(spec)("401 for tok-123456789 (hunter2-long, abcd-1234)")).toBe("401 for *** (***, ***)");
  });
});
