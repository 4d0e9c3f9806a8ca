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

describe("secrets in a program's arguments", () => {
  it("hides a header argument's value and the credentials of a URL argument", () => {
    const spec = { command: "npx", args: ["-y", "mcp-remote", "https://x.example/sse", "--header", "Authorization: Bearer sk-live-SECRET123", "postgresql://bob:hunter2pw@db/x"], env: {} };
    const shown = describeSpec(spec);
    expect(shown).toBe('npx -y mcp-remote https://x.example/sse --header "Authorization: ***" postgresql://db/x');
    expect(redactor(spec)("connect postgresql://bob:hunter2pw@db/x failed; token sk-live-SECRET123 refused")).toBe("connect postgresql://bob:***@db/x failed; token *** refused");
  });

  it("hides a URL's query, a secret-named header anywhere, and -H / --header= values", () => {
    const spec = { command: "uvx", args: ["server", "--url=https://api.example/mcp?api_key=qq-secret-77", "X-Api-Key: abcdef-key-998", "-H", "Cookie: session=cookie-secret-55", "--header=X-Custom: custom-secret-66"], env: {} };
    const shown = describeSpec(spec);
    expect(shown).toBe('uvx server --url=https://api.example/mcp?… "X-Api-Key: ***" -H "Cookie: ***" "--header=X-Custom: ***"');
    for (const secret of ["qq-secret-77", "abcdef-key-998", "cookie-secret-55", "custom-secret-66"]) expect(redactor(spec)(`oops ${secret} leaked`)).toBe("oops *** leaked");
  });
});
