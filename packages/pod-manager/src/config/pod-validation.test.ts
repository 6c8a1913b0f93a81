import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { validateStaticPod } from "./pod-validation.js";

function pod(spec: unknown, name: unknown = "web-node-1", namespace: unknown = "default"): V1Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace }, spec } as V1Pod;
}

const messages = (p: V1Pod): string[] => validateStaticPod(p).map((e) => e.message);

describe("static pod validation", () => {
  it("accepts a minimal pod", () => {
    expect(validateStaticPod(pod({ containers: [{ name: "web", image: "busybox" }] }))).toEqual([]);
  });

  it("requires at least one container", () => {
    expect(messages(pod({ containers: [] }))).toEqual(["spec.containers: Required value"]);
    expect(messages(pod(undefined))).toEqual(["spec.containers: Required value"]);
  });

  it("reports duplicate container names with the second one's path", () => {
    const errors = validateStaticPod(
      pod({
        containers: [
          { name: "web", image: "a" },
          { name: "web", image: "b" },
        ],
      }),
    );
    expect(errors).toEqual([
      expect.objectContaining({ type: "Duplicate", field: "spec.containers[1].name", value: "web" }),
    ]);
    expect(errors[0]?.message).toBe('spec.containers[1].name: Duplicate value: "web"');
  });

  it("treats init and regular container names as one name space", () => {
    const spec = { initContainers: [{ name: "web", image: "a" }], containers: [{ name: "web", image: "b" }] };
    expect(messages(pod(spec))).toEqual(['spec.initContainers[0].name: Duplicate value: "web"']);
  });

  it("requires container names that are DNS-1123 labels of at most 63 characters", () => {
    const long = "a".repeat(64);
    const errors = validateStaticPod(
      pod({
        containers: [{ name: "Web", image: "a" }, { name: long, image: "a" }, { image: "a" }],
      }),
    );
    expect(errors.map((e) => [e.type, e.field])).toEqual([
      ["Invalid", "spec.containers[0].name"],
      ["Invalid", "spec.containers[1].name"],
      ["Required", "spec.containers[2].name"],
    ]);
    expect(errors[0]?.message).toMatch(
      /^spec\.containers\[0\]\.name: Invalid value: "Web": a lowercase RFC 1123 label/,
    );
    expect(errors[1]?.message).toContain("must be no more than 63 characters");
  });

  it("requires an image without surrounding blanks", () => {
    expect(
      messages(
        pod({
          containers: [
            { name: "a", image: "" },
            { name: "b", image: " busybox" },
          ],
        }),
      ),
    ).toEqual([
      "spec.containers[0].image: Required value",
      'spec.containers[1].image: Invalid value: " busybox": must not have leading or trailing whitespace',
    ]);
  });

  it("requires a pod name that is a DNS-1123 subdomain of at most 253 characters", () => {
    const ok = { containers: [{ name: "c", image: "i" }] };
    expect(messages(pod(ok, "Web_Server-node-1"))[0]).toMatch(
      /^metadata\.name: Invalid value: "Web_Server-node-1": a lowercase RFC 1123 subdomain/,
    );
    expect(messages(pod(ok, `${"a".repeat(250)}-node-1`))).toEqual([
      expect.stringContaining("metadata.name: Invalid value:"),
    ]);
    expect(messages(pod(ok, `${"a".repeat(250)}-node-1`))[0]).toContain(
      "must be no more than 253 characters",
    );
    expect(messages(pod(ok, "my.pod-node-1"))).toEqual([]);
    expect(messages(pod(ok, ""))).toEqual([
      "metadata.name: Required value: name or generateName is required",
    ]);
  });

  it("requires a namespace that is a DNS-1123 label", () => {
    expect(messages(pod({ containers: [{ name: "c", image: "i" }] }, "web", "kube.system"))).toEqual([
      'metadata.namespace: Invalid value: "kube.system": must not contain dots',
    ]);
  });

  it("accepts only the known restart policies", () => {
    expect(messages(pod({ containers: [{ name: "c", image: "i" }], restartPolicy: "Sometimes" }))).toEqual([
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ]);
  });

  it("forbids resource claims and ClusterTrustBundle projections in static pods", () => {
    const spec = {
      containers: [{ name: "c", image: "i" }],
      resourceClaims: [{ name: "gpu" }],
      volumes: [
        {
          name: "v",
          projected: { sources: [{ configMap: { name: "x" } }, { clusterTrustBundle: { name: "b" } }] },
        },
      ],
    };
    expect(messages(pod(spec))).toEqual([
      "spec.resourceClaims: Forbidden: static pods may not use ResourceClaims",
      "spec.volumes[0].projected.sources[1].clusterTrustBundle: Forbidden: static pods may not use ClusterTrustBundle projected volume sources",
    ]);
  });

  it("reports rather than throws on values of the wrong type", () => {
    expect(messages(pod({ containers: "web" }))).toEqual([
      'spec.containers: Invalid value: "web": must be a list of containers',
    ]);
    expect(messages(pod({ containers: [42] }))).toEqual([
      "spec.containers[0]: Invalid value: 42: must be a container object",
    ]);
    expect(messages(pod({ containers: [{ name: 7, image: ["x"] }] }))).toEqual([
      "spec.containers[0].name: Required value",
      "spec.containers[0].image: Required value",
    ]);
  });
});
