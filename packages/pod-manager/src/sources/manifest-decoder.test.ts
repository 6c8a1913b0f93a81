import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { StaticPodOrigin } from "../config/static-pod.js";
import { decodePodManifest, decodePodManifests } from "./manifest-decoder.js";

const FILE_ORIGIN: StaticPodOrigin = {
  nodeName: "node-1",
  source: "file",
  location: "/etc/kubernetes/manifests/web.yaml",
};
const HTTP_ORIGIN: StaticPodOrigin = { nodeName: "node-1", source: "http", location: "http://x/pods" };

function decode(text: string, origin: StaticPodOrigin = FILE_ORIGIN): V1Pod {
  const result = decodePodManifest(text, origin);
  if (!result.ok) throw result.error;
  return result.value;
}

const MINIMAL = `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: main
      image: busybox
`;

describe("manifest decoding applies the API defaults", () => {
  it("gives a manifest without a restart policy the policy Always", () => {
    expect(decode(MINIMAL).spec?.restartPolicy).toBe("Always");
  });

  it("pulls an untagged image Always and a tagged one IfNotPresent", () => {
    const pod = decode(`
apiVersion: v1
kind: Pod
metadata: { name: web }
spec:
  containers:
    - { name: untagged, image: busybox }
    - { name: tagged, image: "busybox:1.36" }
`);
    expect(pod.spec?.containers.map((container) => container.imagePullPolicy)).toEqual([
      "Always",
      "IfNotPresent",
    ]);
  });

  it("fills probe timings and HTTP probe path and scheme", () => {
    const pod = decode(`
apiVersion: v1
kind: Pod
metadata: { name: web }
spec:
  containers:
    - name: main
      image: nginx:1.27
      livenessProbe:
        httpGet: { port: 80 }
`);
    expect(pod.spec?.containers[0]?.livenessProbe).toEqual({
      httpGet: { port: 80, path: "/", scheme: "HTTP" },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
  });

  it("requests the resources a container only limits", () => {
    const pod = decode(`
apiVersion: v1
kind: Pod
metadata: { name: web }
spec:
  containers:
    - name: main
      image: nginx:1.27
      resources:
        limits: { cpu: 200m, memory: 64Mi }
`);
    expect(pod.spec?.containers[0]?.resources?.requests).toEqual({ cpu: "200m", memory: "64Mi" });
  });

  it("defaults every pod of a list served over HTTP", () => {
    const result = decodePodManifests(
      JSON.stringify({
        apiVersion: "v1",
        kind: "PodList",
        items: [
          { metadata: { name: "a" }, spec: { containers: [{ name: "a", image: "busybox" }] } },
          { metadata: { name: "b" }, spec: { containers: [{ name: "b", image: "busybox:1" }] } },
        ],
      }),
      HTTP_ORIGIN,
    );
    if (!result.ok) throw result.error;
    expect(result.value.map((pod) => pod.spec?.dnsPolicy)).toEqual(["ClusterFirst", "ClusterFirst"]);
    expect(result.value.map((pod) => pod.spec?.containers[0]?.imagePullPolicy)).toEqual([
      "Always",
      "IfNotPresent",
    ]);
  });

  it("still applies the static pod defaults after the API defaults", () => {
    const pod = decode(MINIMAL);
    expect(pod.metadata?.name).toBe("web-node-1");
    expect(pod.spec?.nodeName).toBe("node-1");
    expect(pod.status?.phase).toBe("Pending");
  });
});

describe("manifest decoding: the UID covers the defaulted pod", () => {
  it("is the same for the same manifest", () => {
    expect(decode(MINIMAL).metadata?.uid).toBe(decode(MINIMAL).metadata?.uid);
    expect(decode(MINIMAL).metadata?.uid).toMatch(/^[0-9a-f]{32}$/);
  });

  it("does not change when a manifest spells out the values the API would default", () => {
    const spelledOut = `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  restartPolicy: Always
  dnsPolicy: ClusterFirst
  terminationGracePeriodSeconds: 30
  containers:
    - name: main
      image: busybox
      imagePullPolicy: Always
      terminationMessagePath: /dev/termination-log
`;
    expect(decode(spelledOut).metadata?.uid).toBe(decode(MINIMAL).metadata?.uid);
  });

  it("changes when a manifest sets a value other than the default", () => {
    const never = MINIMAL.replace("spec:\n", "spec:\n  restartPolicy: Never\n");
    expect(decode(never).spec?.restartPolicy).toBe("Never");
    expect(decode(never).metadata?.uid).not.toBe(decode(MINIMAL).metadata?.uid);
  });

  it("changes with the node name and the path, as before", () => {
    const base = decode(MINIMAL).metadata?.uid;
    expect(decode(MINIMAL, { ...FILE_ORIGIN, nodeName: "node-2" }).metadata?.uid).not.toBe(base);
    expect(decode(MINIMAL, { ...FILE_ORIGIN, location: "/other/web.yaml" }).metadata?.uid).not.toBe(base);
  });
});
