import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { stringify as stringifyYaml } from "yaml";
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

/** A manifest using most of what JSON can say: escapes, non-ASCII text, numbers, nesting, defaults to fill. */
const RICH_POD = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "rich",
    namespace: "kube-system",
    labels: { "app.kubernetes.io/name": 'rïch "quoted" \\ \u0001 😀', tier: "1" },
    annotations: { z: "", a: "x\ny" },
  },
  spec: {
    hostNetwork: true,
    priority: 2000001000,
    activeDeadlineSeconds: 1.5,
    volumes: [{ name: "data" }, { name: "cfg", configMap: { name: "c" } }],
    containers: [
      {
        name: "main",
        image: "nginx:1.27",
        ports: [{ containerPort: 80 }],
        resources: { limits: { cpu: "200m" } },
        env: [{ name: "N", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
        livenessProbe: { httpGet: { port: 80 } },
        args: ["-x", "1e21", "\ud83d\ude00"],
      },
    ],
  },
};
const RICH_ORIGIN: StaticPodOrigin = { ...FILE_ORIGIN, location: "/m/rich.json" };

describe("manifest decoding: JSON and YAML give the same pod", () => {
  it("decodes a JSON manifest to the same pod as the same manifest in YAML", () => {
    const fromJson = decode(JSON.stringify(RICH_POD), RICH_ORIGIN);
    const fromYaml = decode(stringifyYaml(RICH_POD), RICH_ORIGIN);
    expect(fromJson).toEqual(fromYaml);
    expect(fromJson.spec?.containers[0]?.ports).toEqual([
      { containerPort: 80, hostPort: 80, protocol: "TCP" },
    ]);
  });

  it("still decodes JSON-like text that only YAML accepts: flow style, a comment", () => {
    const flow =
      "{apiVersion: v1, kind: Pod, metadata: {name: web}, spec: {containers: [{name: main, image: busybox}]}}";
    expect(decode(flow)).toEqual(decode(MINIMAL));
    const commented = `${JSON.stringify(RICH_POD, null, 2)}\n# generated by hand\n`;
    expect(decode(commented, RICH_ORIGIN)).toEqual(decode(JSON.stringify(RICH_POD), RICH_ORIGIN));
  });

  it("keeps the UIDs manifests had before the JSON fast path", () => {
    // Computed with the YAML-only decoder; a change here would restart every static pod on upgrade.
    expect(decode(MINIMAL).metadata?.uid).toBe("b45e6a634bf23b4a914fe4f57dc1f219");
    expect(decode(JSON.stringify(RICH_POD), RICH_ORIGIN).metadata?.uid).toBe(
      "c363f3ba2766d5cbb264301cec42732a",
    );
    const list = decodePodManifests(
      JSON.stringify({ apiVersion: "v1", kind: "PodList", items: [RICH_POD] }),
      {
        ...HTTP_ORIGIN,
        location: "http://x/pods",
      },
    );
    if (!list.ok) throw list.error;
    expect(list.value[0]?.metadata?.uid).toBe("959b7b48ad4204aecf7814c9249a65f9");
  });

  it("rejects a key repeated in JSON, as the YAML parser does", () => {
    const text = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","name":"b"},"spec":{}}';
    const result = decodePodManifest(text, FILE_ORIGIN);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.error.message).toContain(
      `${FILE_ORIGIN.location}: cannot parse as YAML or JSON: Map keys must be unique at line 1, column 56`,
    );
  });

  it.each([
    ["a JSON list", "[1, 2]", "expected a Pod object, found a list"],
    ["two JSON objects", '{"kind":"Pod"}\n---\n{"kind":"Pod"}', "contains 2 YAML documents"],
    ["cut-off JSON", '{"apiVersion": "v1", "kind": "Pod"', "cannot parse as YAML or JSON"],
    ["JSON with another kind", '{"apiVersion":"v1","kind":"Service"}', 'kind is "Service", expected "Pod"'],
  ])("reports %s as before", (_, text, problem) => {
    const result = decodePodManifest(text, FILE_ORIGIN);
    expect(result.ok ? "" : result.error.message).toContain(`${FILE_ORIGIN.location}: ${problem}`);
  });

  it("defaults each pod of a YAML list on its own even when aliases share objects between them", () => {
    const body = `
apiVersion: v1
kind: PodList
items:
  - metadata: { name: a }
    spec:
      hostNetwork: true
      containers:
        - &web { name: web, image: "nginx:1.27", ports: [{ containerPort: 80 }] }
  - metadata: { name: b }
    spec:
      containers:
        - *web
`;
    const result = decodePodManifests(body, HTTP_ORIGIN);
    if (!result.ok) throw result.error;
    const [a, b] = result.value;
    expect(a?.spec?.containers[0]?.ports).toEqual([{ containerPort: 80, hostPort: 80, protocol: "TCP" }]);
    expect(b?.spec?.containers[0]?.ports).toEqual([{ containerPort: 80, protocol: "TCP" }]);
  });
});
