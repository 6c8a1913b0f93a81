import { describe, expect, it } from "vitest";
import { expandCommandAndArgs } from "./expand.js";

// The $(VAR) rules themselves are tested with core's expansion; here, how a container's command uses them.
describe("$(VAR) expansion of a container's command and args", () => {
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
