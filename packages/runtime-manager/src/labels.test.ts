import { describe, expect, it } from "vitest";
import { container, makePod, POD_UID } from "./fixtures.test-util.js";
import { hashContainer } from "./hash.js";
import {
  containerInfoFromAnnotations,
  containerInfoFromLabels,
  containerPortsJson,
  lifecycleHandlerJson,
  newContainerAnnotations,
  newContainerLabels,
  newPodAnnotations,
  newPodLabels,
} from "./labels.js";

describe("sandbox labels and annotations", () => {
  it("copies the pod's labels and adds name, namespace and uid; annotations are the pod's", () => {
    const pod = makePod({}, { labels: { app: "web" }, annotations: { note: "x" } });
    expect(newPodLabels(pod)).toEqual({
      app: "web",
      "io.kubernetes.pod.name": "web",
      "io.kubernetes.pod.namespace": "default",
      "io.kubernetes.pod.uid": POD_UID,
    });
    expect(newPodAnnotations(pod)).toEqual({ note: "x" });
  });
});

describe("container labels and annotations", () => {
  it("labels carry the pod identity and container name only", () => {
    const pod = makePod({}, { labels: { app: "web" } });
    expect(newContainerLabels(container("app"), pod)).toEqual({
      "io.kubernetes.pod.name": "web",
      "io.kubernetes.pod.namespace": "default",
      "io.kubernetes.pod.uid": POD_UID,
      "io.kubernetes.container.name": "app",
    });
  });

  it("annotations are exactly the kubelet's keys and values", () => {
    const c = container("app", {
      ports: [
        { containerPort: 80, protocol: "TCP" },
        { name: "metrics", containerPort: 9090, hostPort: 19090 },
      ],
      lifecycle: { preStop: { exec: { command: ["sh", "-c", "sleep 5"] } } },
    });
    const pod = makePod({ terminationGracePeriodSeconds: 45 }, { deletionGracePeriodSeconds: 10 });
    expect(newContainerAnnotations(c, pod, 3)).toEqual({
      "io.kubernetes.container.hash": hashContainer(c),
      "io.kubernetes.container.restartCount": "3",
      "io.kubernetes.container.terminationMessagePath": "/dev/termination-log",
      "io.kubernetes.container.terminationMessagePolicy": "File",
      "io.kubernetes.pod.deletionGracePeriod": "10",
      "io.kubernetes.pod.terminationGracePeriod": "45",
      "io.kubernetes.container.preStopHandler": '{"exec":{"command":["sh","-c","sleep 5"]}}',
      "io.kubernetes.container.ports":
        '[{"containerPort":80,"protocol":"TCP"},{"name":"metrics","hostPort":19090,"containerPort":9090,"protocol":"TCP"}]',
    });
  });

  it("leaves out preStop, ports and deletion grace when absent", () => {
    const annotations = newContainerAnnotations(container("app"), makePod(), 0);
    expect(Object.keys(annotations).sort()).toEqual([
      "io.kubernetes.container.hash",
      "io.kubernetes.container.restartCount",
      "io.kubernetes.container.terminationMessagePath",
      "io.kubernetes.container.terminationMessagePolicy",
      "io.kubernetes.pod.terminationGracePeriod",
    ]);
  });

  it("writes httpGet and sleep handlers in Go's field order with omitempty", () => {
    expect(
      lifecycleHandlerJson({
        httpGet: { port: "http", path: "/stop", scheme: "HTTP", httpHeaders: [{ name: "X", value: "<1>" }] },
      }),
    ).toBe(
      '{"httpGet":{"path":"/stop","port":"http","scheme":"HTTP","httpHeaders":[{"name":"X","value":"\\u003c1\\u003e"}]}}',
    );
    expect(lifecycleHandlerJson({ sleep: { seconds: 3 } })).toBe('{"sleep":{"seconds":3}}');
    expect(containerPortsJson([{ containerPort: 53, protocol: "UDP", hostIP: "127.0.0.1" }])).toBe(
      '[{"containerPort":53,"protocol":"UDP","hostIP":"127.0.0.1"}]',
    );
  });

  it("reads back what it wrote", () => {
    const c = container("app", {
      ports: [{ containerPort: 80 }],
      lifecycle: { preStop: { sleep: { seconds: 2 } } },
    });
    const pod = makePod({}, { deletionGracePeriodSeconds: 5 });
    const info = containerInfoFromAnnotations(newContainerAnnotations(c, pod, 7));
    expect(info).toMatchObject({
      restartCount: 7,
      podDeletionGracePeriodSeconds: 5,
      podTerminationGracePeriodSeconds: 30,
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
      preStopHandler: { sleep: { seconds: 2 } },
      containerPorts: [{ containerPort: 80, protocol: "TCP" }],
    });
    expect(containerInfoFromLabels(newContainerLabels(c, pod))).toEqual({
      containerName: "app",
      podName: "web",
      podNamespace: "default",
      podUid: POD_UID,
    });
    expect(containerInfoFromAnnotations({ "io.kubernetes.container.restartCount": "x" }).restartCount).toBe(
      0,
    );
  });
});
