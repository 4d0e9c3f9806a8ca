import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Name } from "#protocol";
import { assignActions, toAction } from "./names.ts";

describe("toAction", () => {
  it("turns MCP tool names into Hearth action names", () => {
    expect(toAction("read_file")).toBe("read_file");
    expect(toAction("Greet-Person")).toBe("greet_person");
    expect(toAction("get-tiny-image")).toBe("get_tiny_image");
    expect(toAction("2fa.verify")).toBe("t_2fa_verify");
    expect(toAction("_private")).toBe("t__private");
    expect(toAction("Ünïcode tool")).toBe("t__n_code_tool");
    expect(toAction("a".repeat(60))).toBe("a".repeat(40));
  });

  it("always gives a valid action name", () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 200 }), (tool) => Name.safeParse(toAction(tool)).success));
  });

  it("numbers clashes in the order the server listed the tools", () => {
    const actions = assignActions(["read-file", "read_file", "Read.File", "x".repeat(45), "x".repeat(41)]);
    expect([...actions.values()]).toEqual(["read_file", "read_file_2", "read_file_3", "x".repeat(40), `${"x".repeat(38)}_2`]);
    fc.assert(fc.property(fc.array(fc.string({ minLength: 1, maxLength: 50 }), { maxLength: 30 }), (tools) => {
      const assigned = [...assignActions([...new Set(tools)]).values()];
      return new Set(assigned).size === assigned.length && assigned.every((action) => Name.safeParse(action).success);
    }));
  });
});
