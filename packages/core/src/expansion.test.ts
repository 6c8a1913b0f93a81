import { describe, expect, it } from "vitest";
import { expand, expandContainerCommandOnlyStatic, mappingFor } from "./expansion.js";

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

  it("looks names up in each context in turn, the first that has the name winning", () => {
    expect(expand("$(X)", mappingFor(new Map([["Y", "1"]]), { X: "2" }))).toBe("2");
    expect(expand("$(X)", mappingFor({ X: "first" }, { X: "second" }))).toBe("first");
  });
});

describe("expandContainerCommandOnlyStatic", () => {
  it("expands literal env values, leaves unknown names and escapes alone", () => {
    const env = [{ name: "PORT", value: "8080" }];
    expect(
      expandContainerCommandOnlyStatic(["sh", "-c", "nc -z 127.0.0.1 $(PORT) && echo $$(PORT) $(HOME)"], env),
    ).toEqual(["sh", "-c", "nc -z 127.0.0.1 8080 && echo $(PORT) $(HOME)"]);
  });

  it("expands a valueFrom entry to the empty string, as the kubelet's map of static values does", () => {
    expect(expandContainerCommandOnlyStatic(["echo", "[$(POD_IP)]"], [{ name: "POD_IP" }])).toEqual([
      "echo",
      "[]",
    ]);
  });

  it("lets a later entry of the same name win", () => {
    const env = [
      { name: "MODE", value: "one" },
      { name: "MODE", value: "two" },
    ];
    expect(expandContainerCommandOnlyStatic(["$(MODE)"], env)).toEqual(["two"]);
  });

  it("returns an empty command for an empty one, with or without env", () => {
    expect(expandContainerCommandOnlyStatic([])).toEqual([]);
    expect(expandContainerCommandOnlyStatic(["$(A)"])).toEqual(["$(A)"]);
  });
});
