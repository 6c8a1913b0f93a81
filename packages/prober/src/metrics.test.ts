import { describe, expect, it } from "vitest";
import { createMemoryProberMetrics, createNoopProberMetrics } from "./metrics.js";

const series = { probe_type: "Liveness", container: "app", pod: "web", namespace: "default" } as const;

describe("prober metrics", () => {
  it("renders the counter and the histogram in the Prometheus text format, with the kubelet's buckets", () => {
    const metrics = createMemoryProberMetrics();
    metrics.countProbe({ ...series, pod_uid: "u1", result: "successful" });
    metrics.countProbe({ ...series, pod_uid: "u1", result: "successful" });
    metrics.countProbe({ ...series, pod_uid: "u1", result: "failed" });
    metrics.observeDuration(series, 0.003);
    metrics.observeDuration(series, 0.7);
    const text = metrics.render();
    expect(text).toContain(
      "# HELP prober_probe_total [BETA] Cumulative number of a liveness, readiness or startup probe for a container by result.\n# TYPE prober_probe_total counter\n",
    );
    expect(text).toContain(
      'prober_probe_total{probe_type="Liveness",result="failed",container="app",pod="web",namespace="default",pod_uid="u1"} 1\n',
    );
    expect(text).toContain("# TYPE prober_probe_duration_seconds histogram\n");
    const bucket = (le: string) =>
      `prober_probe_duration_seconds_bucket{probe_type="Liveness",container="app",pod="web",namespace="default",le="${le}"}`;
    expect(text).toContain(`${bucket("0.005")} 1\n`);
    expect(text).toContain(`${bucket("0.5")} 1\n`);
    expect(text).toContain(`${bucket("1")} 2\n`);
    expect(text).toContain(`${bucket("+Inf")} 2\n`);
    expect(text).toContain(
      'prober_probe_duration_seconds_count{probe_type="Liveness",container="app",pod="web",namespace="default"} 2\n',
    );
    expect(metrics.duration(series)?.sum).toBeCloseTo(0.703);
  });

  it("escapes label values and prints nothing when empty", () => {
    const metrics = createMemoryProberMetrics();
    expect(metrics.render()).toBe("");
    metrics.countProbe({ ...series, container: 'a"b\\c', pod_uid: "u1", result: "unknown" });
    expect(metrics.render()).toContain('container="a\\"b\\\\c"');
  });

  it("forgets every series of a worker", () => {
    const metrics = createMemoryProberMetrics();
    for (const result of ["successful", "failed", "unknown"] as const) {
      metrics.countProbe({ ...series, pod_uid: "u1", result });
    }
    metrics.countProbe({ ...series, pod: "other", pod_uid: "u2", result: "failed" });
    metrics.observeDuration(series, 1);
    metrics.forgetSeries({ ...series, pod_uid: "u1" });
    expect(metrics.totals().map((t) => t.labels.pod)).toEqual(["other"]);
    expect(metrics.duration(series)).toBeUndefined();
  });

  it("has a no-op sink", () => {
    const sink = createNoopProberMetrics();
    expect(() => sink.countProbe({ ...series, pod_uid: "u", result: "failed" })).not.toThrow();
  });
});
