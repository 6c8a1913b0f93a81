import { describe, expect, it } from "vitest";
import { expand, expandCommandAndArgs, mappingFor } from "./expand.js";

const mapping = mappingFor({ VAR_A: "A", VAR_B: "B", EMPTY: "" });

describe("$(VAR) expansion", () => {
  it.each([
    ["$(VAR_A)", "A"],
    ["x-$(VAR_A)-$(VAR_B)-y", "x-A-B-y"],
    ["$(UNDEFINED)", "$(UNDEFINED)"],
    ["$(EMPTY)x", "x"],
    ["$$(VAR_A)", "$(VAR_A)"],
    ["$$$(VAR_A)", "$A"],
    ["$$$$(VAR_A)", "$$(VAR_A)"],
    ["$(VAR_A", "$(VAR_A"],
    ["$VAR_A", "$VAR_A"],
    ["trailing $", "trailing $"],
    ["$()", "$()"],
    ["$(VAR_A)$(VAR_B)", "AB"],
    ["€$(VAR_A)$é", "€A$é"],
  ])("expands %j to %j", (input, output) => {
    expect(expand(input, mapping)).toBe(output);
  });

  it("looks names up in each context in turn", () => {
    expect(expand("$(X)", mappingFor(new Map([["Y", "1"]]), { X: "2" }))).toBe("2");
  });

  it("expands command and args from the final environment", () => {
    const out = expandCommandAndArgs(
      { command: ["sh", "-c", "echo $(GREETING) $$(GREETING)"], args: ["$(MISSING)"] },
      [
        { name: "GREETING", value: "hi" },
        { name: "GREETING", value: "hello" },
      ],
    );
    expect(out).toEqual({ command: ["sh", "-c", "echo hello $(GREETING)"], args: ["$(MISSING)"] });
  });
});
