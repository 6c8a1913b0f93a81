import { describe, expect, it } from "vitest";
import {
  containerShouldRestart,
  formatPod,
  probedContainers,
  probeSettings,
  probeTerminationGracePeriodSeconds,
} from "./probe-spec.js";
import { container, pod, probe } from "./prober-fixtures.test-helpers.js";

describe("probe spec helpers", () => {
  it("fills in the API defaults for unset or zero fields and converts to ms", () => {
    expect(probeSettings({ exec: { command: ["true"] }, periodSeconds: 0 }, "readiness")).toEqual({
      periodMs: 10_000,
      timeoutMs: 1_000,
      initialDelaySeconds: 0,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(
      probeSettings(
        probe({ periodSeconds: 2, timeoutSeconds: 5, terminationGracePeriodSeconds: 4 }),
        "liveness",
      ),
    ).toMatchObject({ periodMs: 2_000, timeoutMs: 5_000, terminationGracePeriodSeconds: 4 });
  });

  it("exposes the probe-level termination grace period only for liveness and startup", () => {
    const c = container("app", {
      livenessProbe: probe({ terminationGracePeriodSeconds: 3 }),
      readinessProbe: probe({ terminationGracePeriodSeconds: 9 }),
    });
    expect(probeTerminationGracePeriodSeconds(c, "liveness")).toBe(3);
    expect(probeTerminationGracePeriodSeconds(c, "readiness")).toBeUndefined();
    expect(probeTerminationGracePeriodSeconds(c, "startup")).toBeUndefined();
    expect(probeSettings(probe({ terminationGracePeriodSeconds: 9 }), "readiness")).not.toHaveProperty(
      "terminationGracePeriodSeconds",
    );
  });

  it("probes regular containers and restartable init containers only", () => {
    const p = pod({
      containers: [container("a"), container("b")],
      initContainers: [container("init"), container("sidecar", { restartPolicy: "Always" })],
    });
    expect(probedContainers(p).map((c) => c.name)).toEqual(["a", "b", "sidecar"]);
  });

  it.each([
    [undefined, undefined, 0, true],
    ["Always", undefined, 1, true],
    ["OnFailure", undefined, 0, false],
    ["OnFailure", undefined, 2, true],
    ["Never", undefined, 1, false],
    ["Always", "Never", 1, false],
    ["Never", "OnFailure", 3, true],
    ["Never", "Always", 0, true],
  ])(
    "pod policy %s, container policy %s, exit %i: restarts = %s",
    (podPolicy, containerPolicy, code, expected) => {
      const c = container("app", containerPolicy === undefined ? {} : { restartPolicy: containerPolicy });
      const spec = { containers: [c], ...(podPolicy === undefined ? {} : { restartPolicy: podPolicy }) };
      expect(containerShouldRestart(c, spec, code)).toBe(expected);
    },
  );

  it("applies the first restart rule that matches the exit code", () => {
    const c = container("app", {
      restartPolicy: "Never",
      restartPolicyRules: [
        { action: "Restart", exitCodes: { operator: "NotIn", values: [0, 1] } },
        { action: "Restart", exitCodes: { operator: "In", values: [1] } },
      ],
    });
    expect(containerShouldRestart(c, { containers: [c] }, 7)).toBe(true);
    expect(containerShouldRestart(c, { containers: [c] }, 1)).toBe(true);
    expect(containerShouldRestart(c, { containers: [c] }, 0)).toBe(false);
  });

  it("names a pod as the kubelet does in messages", () => {
    expect(formatPod(pod({ containers: [] }))).toBe("web_default(uid-1)");
  });
});
