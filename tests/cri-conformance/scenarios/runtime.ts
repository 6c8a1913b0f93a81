import { describe, expect, it } from "vitest";
import type { Suite } from "../scenarios.js";

export function runtimeScenarios(suite: Suite): void {
  describe("runtime", () => {
    it("answers Version with CRI API v1, the kubelet's API version and its own name and version", async () => {
      const answer = await suite.target.runtime.version({ version: "0.1.0" });
      expect(answer.runtimeApiVersion).toBe("v1");
      expect(answer.version).toBe("0.1.0");
      expect(answer.runtimeName).not.toBe("");
      expect(answer.runtimeVersion).not.toBe("");
    });

    it("reports RuntimeReady and NetworkReady true in Status", async () => {
      const { status } = await suite.target.runtime.status({});
      const conditions = new Map(status?.conditions.map((condition) => [condition.type, condition.status]));
      expect(conditions.get("RuntimeReady")).toBe(true);
      expect(conditions.get("NetworkReady")).toBe(true);
    });
  });
}
