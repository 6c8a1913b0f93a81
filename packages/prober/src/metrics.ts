/** `probe_type` label values: the kubelet's probe type names. */
export type ProbeTypeLabel = "Liveness" | "Readiness" | "Startup";

/** `result` label values of `prober_probe_total`. */
export type ProbeResultLabel = "successful" | "failed" | "unknown";

/** Labels of `prober_probe_duration_seconds`, named as in Prometheus. */
export interface ProbeDurationLabels {
  readonly probe_type: ProbeTypeLabel;
  readonly container: string;
  readonly pod: string;
  readonly namespace: string;
}

/** Labels of `prober_probe_total`, named as in Prometheus. */
export interface ProbeTotalLabels extends ProbeDurationLabels {
  readonly result: ProbeResultLabel;
  readonly pod_uid: string;
}

/** One probe worker's series: the labels it reports under, minus `result`. */
export interface ProbeSeries extends ProbeDurationLabels {
  readonly pod_uid: string;
}

/**
 * Where the prober reports its metrics (served by the kubelet on `/metrics/probes`). Plug a Prometheus
 * client in, or use {@link createMemoryProberMetrics}.
 */
export interface ProberMetricsSink {
  /** `prober_probe_total` (counter, stability BETA): one probe run finished with `labels.result`. */
  countProbe(labels: ProbeTotalLabels): void;
  /**
   * `prober_probe_duration_seconds` (histogram, stability ALPHA): how long a run took, observed only for
   * successful (and unknown) runs, as upstream.
   */
  observeDuration(labels: ProbeDurationLabels, seconds: number): void;
  /** The worker of `series` exited: delete its series (every `result` of the counter, and the histogram). */
  forgetSeries(series: ProbeSeries): void;
}

/** A sink that drops everything (the default). */
export function createNoopProberMetrics(): ProberMetricsSink {
  return { countProbe() {}, observeDuration() {}, forgetSeries() {} };
}

/** The kubelet's histogram buckets for `prober_probe_duration_seconds` (Prometheus' default buckets). */
export const PROBE_DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** One histogram series of a {@link MemoryProberMetrics}. */
export interface MemoryHistogram {
  readonly labels: ProbeDurationLabels;
  readonly count: number;
  readonly sum: number;
  /** Cumulative counts per upper bound of {@link PROBE_DURATION_BUCKETS_SECONDS} (then `+Inf` = `count`). */
  readonly buckets: readonly number[];
}

/** An in-memory {@link ProberMetricsSink} that can also print itself in the Prometheus text format. */
export interface MemoryProberMetrics extends ProberMetricsSink {
  /** The counter value for `labels`; 0 when never counted. */
  probeTotal(labels: ProbeTotalLabels): number;
  /** Every counter series with its value. */
  totals(): readonly { readonly labels: ProbeTotalLabels; readonly value: number }[];
  /** The histogram series for `labels`, or `undefined` when nothing was observed. */
  duration(labels: ProbeDurationLabels): MemoryHistogram | undefined;
  /** Both metrics in the Prometheus text exposition format (what `/metrics/probes` serves). */
  render(): string;
}

const TOTAL_KEYS = ["probe_type", "result", "container", "pod", "namespace", "pod_uid"] as const;
const DURATION_KEYS = ["probe_type", "container", "pod", "namespace"] as const;

function keyOf<L extends object>(labels: L, keys: readonly (keyof L)[]): string {
  return keys.map((k) => String(labels[k])).join("\u0000");
}

/** Creates a {@link MemoryProberMetrics}. */
export function createMemoryProberMetrics(): MemoryProberMetrics {
  const counters = new Map<string, { labels: ProbeTotalLabels; value: number }>();
  const histograms = new Map<
    string,
    { labels: ProbeDurationLabels; count: number; sum: number; buckets: number[] }
  >();

  return {
    countProbe(labels) {
      const key = keyOf(labels, TOTAL_KEYS);
      const entry = counters.get(key);
      if (entry === undefined) counters.set(key, { labels: { ...labels }, value: 1 });
      else entry.value++;
    },
    observeDuration(labels, seconds) {
      const key = keyOf(labels, DURATION_KEYS);
      let entry = histograms.get(key);
      if (entry === undefined) {
        entry = {
          labels: { ...labels },
          count: 0,
          sum: 0,
          buckets: PROBE_DURATION_BUCKETS_SECONDS.map(() => 0),
        };
        histograms.set(key, entry);
      }
      entry.count++;
      entry.sum += seconds;
      PROBE_DURATION_BUCKETS_SECONDS.forEach((bound, i) => {
        if (seconds <= bound && entry !== undefined) entry.buckets[i] = (entry.buckets[i] ?? 0) + 1;
      });
    },
    forgetSeries(series) {
      for (const result of ["successful", "failed", "unknown"] as const) {
        counters.delete(keyOf({ ...series, result }, TOTAL_KEYS));
      }
      histograms.delete(keyOf(series, DURATION_KEYS));
    },
    probeTotal: (labels) => counters.get(keyOf(labels, TOTAL_KEYS))?.value ?? 0,
    totals: () => [...counters.values()].map(({ labels, value }) => ({ labels, value })),
    duration(labels) {
      const entry = histograms.get(keyOf(labels, DURATION_KEYS));
      return entry === undefined ? undefined : { ...entry, buckets: [...entry.buckets] };
    },
    render() {
      const lines: string[] = [];
      if (counters.size > 0) {
        lines.push(
          "# HELP prober_probe_total [BETA] Cumulative number of a liveness, readiness or startup probe for a container by result.",
          "# TYPE prober_probe_total counter",
        );
        for (const { labels, value } of counters.values()) {
          lines.push(`prober_probe_total${formatLabels(labels, TOTAL_KEYS)} ${value}`);
        }
      }
      if (histograms.size > 0) {
        lines.push(
          "# HELP prober_probe_duration_seconds [ALPHA] Duration in seconds for a probe response.",
          "# TYPE prober_probe_duration_seconds histogram",
        );
        for (const { labels, count, sum, buckets } of histograms.values()) {
          PROBE_DURATION_BUCKETS_SECONDS.forEach((bound, i) => {
            const le = formatLabels({ ...labels, le: String(bound) }, [...DURATION_KEYS, "le"]);
            lines.push(`prober_probe_duration_seconds_bucket${le} ${buckets[i] ?? 0}`);
          });
          const inf = formatLabels({ ...labels, le: "+Inf" }, [...DURATION_KEYS, "le"]);
          lines.push(`prober_probe_duration_seconds_bucket${inf} ${count}`);
          lines.push(`prober_probe_duration_seconds_sum${formatLabels(labels, DURATION_KEYS)} ${sum}`);
          lines.push(`prober_probe_duration_seconds_count${formatLabels(labels, DURATION_KEYS)} ${count}`);
        }
      }
      return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
    },
  };
}

function formatLabels<L extends object>(labels: L, keys: readonly (keyof L)[]): string {
  const parts = keys.map((k) => `${String(k)}="${escapeLabelValue(String(labels[k]))}"`);
  return `{${parts.join(",")}}`;
}

/** Label values escape backslash, double quote and newline (Prometheus text format). */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
