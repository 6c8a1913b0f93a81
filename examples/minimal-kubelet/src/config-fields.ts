// The KubeletConfiguration fields minimal-kubelet reads, with the kubelet's flag names and defaults, and
// the names of every other v1beta1 field (accepted with a warning that they have no effect here).

/** The settings minimal-kubelet takes from a `KubeletConfiguration` (and the matching flags), resolved. */
export interface KubeletConfiguration {
  /** Static pod manifests: a directory or one file (`staticPodPath`, `--pod-manifest-path`). Default: `""` (none). */
  readonly staticPodPath: string;
  /** How often the manifest path is re-read (`fileCheckFrequency`, `--file-check-frequency`). Default: 20 000 ms. */
  readonly fileCheckFrequencyMs: number;
  /** URL of static pod manifests (`staticPodURL`, `--manifest-url`). Default: `""` (none). */
  readonly staticPodURL: string;
  /** HTTP headers for `staticPodURL` (`staticPodURLHeader`, `--manifest-url-header`). Default: none. */
  readonly staticPodURLHeader: Readonly<Record<string, readonly string[]>>;
  /** How often `staticPodURL` is fetched (`httpCheckFrequency`, `--http-check-frequency`). Default: 20 000 ms. */
  readonly httpCheckFrequencyMs: number;
  /** Longest time between two syncs of a pod (`syncFrequency`, `--sync-frequency`). Default: 60 000 ms. */
  readonly syncFrequencyMs: number;
  /**
   * CRI endpoint (`containerRuntimeEndpoint`, `--container-runtime-endpoint`). Default:
   * `unix:///run/containerd/containerd.sock`; minimal-kubelet runs its embedded fake runtime when neither the
   * flag nor the file sets it.
   */
  readonly containerRuntimeEndpoint: string;
  /** CRI image endpoint (`imageServiceEndpoint`, `--image-service-endpoint`). Default: `""` (the runtime's). */
  readonly imageServiceEndpoint: string;
  /** Deadline of each CRI call but pulls and exec (`runtimeRequestTimeout`, `--runtime-request-timeout`). Default: 120 000 ms. */
  readonly runtimeRequestTimeoutMs: number;
  /** Root of the pods' CRI log files (`podLogsDir`). Default: `/var/log/pods`. */
  readonly podLogsDir: string;
  /** Pull one image at a time (`serializeImagePulls`, `--serialize-image-pulls`). Default: `true`. */
  readonly serializeImagePulls: boolean;
  /** Most pods this node runs (`maxPods`, `--max-pods`). Default: 110. */
  readonly maxPods: number;
  /** Cluster DNS domain (`clusterDomain`, `--cluster-domain`). Default: `""`. */
  readonly clusterDomain: string;
  /** Cluster DNS server IPs (`clusterDNS`, `--cluster-dns`). Default: none. */
  readonly clusterDNS: readonly string[];
  /** Host resolver file the pods' DNS is based on (`resolvConf`, `--resolv-conf`). Default: `/etc/resolv.conf`. */
  readonly resolvConf: string;
  /** Enforce CPU limits with CFS quota (`cpuCFSQuota`, `--cpu-cfs-quota`). Default: `true`. */
  readonly cpuCFSQuota: boolean;
}

/** Any subset of {@link KubeletConfiguration}: one layer (defaults, a file, the flags). */
export type KubeletConfigurationLayer = {
  -readonly [K in keyof KubeletConfiguration]?: KubeletConfiguration[K];
};

/** How a field is written in YAML and on the command line. */
export type FieldKind = "string" | "duration" | "int" | "bool" | "strings" | "headers";

/** One supported field: its YAML name, its property, its type and the kubelet flag that sets it. */
export interface FieldSpec {
  /** Name in the YAML file (`syncFrequency`). */
  readonly field: string;
  /** Property of {@link KubeletConfiguration} (`syncFrequencyMs`). */
  readonly key: keyof KubeletConfiguration;
  readonly kind: FieldKind;
  /** The kubelet flag for it, without dashes, when minimal-kubelet accepts that flag. */
  readonly flag?: string;
  /** The kubelet's flag name when it differs from ours or minimal-kubelet does not take it (for messages). */
  readonly upstreamFlag?: string;
}

/** Every field minimal-kubelet reads, in the order `--help` and the docs list them. */
export const SUPPORTED_FIELDS: readonly FieldSpec[] = [
  { field: "staticPodPath", key: "staticPodPath", kind: "string", flag: "pod-manifest-path" },
  {
    field: "fileCheckFrequency",
    key: "fileCheckFrequencyMs",
    kind: "duration",
    flag: "file-check-frequency",
  },
  { field: "staticPodURL", key: "staticPodURL", kind: "string", flag: "manifest-url" },
  { field: "staticPodURLHeader", key: "staticPodURLHeader", kind: "headers", flag: "manifest-url-header" },
  {
    field: "httpCheckFrequency",
    key: "httpCheckFrequencyMs",
    kind: "duration",
    flag: "http-check-frequency",
  },
  { field: "syncFrequency", key: "syncFrequencyMs", kind: "duration", flag: "sync-frequency" },
  {
    field: "containerRuntimeEndpoint",
    key: "containerRuntimeEndpoint",
    kind: "string",
    flag: "container-runtime-endpoint",
  },
  {
    field: "imageServiceEndpoint",
    key: "imageServiceEndpoint",
    kind: "string",
    flag: "image-service-endpoint",
  },
  {
    field: "runtimeRequestTimeout",
    key: "runtimeRequestTimeoutMs",
    kind: "duration",
    flag: "runtime-request-timeout",
  },
  { field: "podLogsDir", key: "podLogsDir", kind: "string", flag: "pod-logs-dir" },
  {
    field: "serializeImagePulls",
    key: "serializeImagePulls",
    kind: "bool",
    upstreamFlag: "serialize-image-pulls",
  },
  { field: "maxPods", key: "maxPods", kind: "int", flag: "max-pods" },
  { field: "clusterDomain", key: "clusterDomain", kind: "string", flag: "cluster-domain" },
  { field: "clusterDNS", key: "clusterDNS", kind: "strings", flag: "cluster-dns" },
  { field: "resolvConf", key: "resolvConf", kind: "string", flag: "resolv-conf" },
  { field: "cpuCFSQuota", key: "cpuCFSQuota", kind: "bool", upstreamFlag: "cpu-cfs-quota" },
];

/** The kubelet's defaults for the supported fields (`pkg/kubelet/apis/config/v1beta1/defaults.go`). */
export const KUBELET_CONFIGURATION_DEFAULTS: KubeletConfiguration = Object.freeze({
  staticPodPath: "",
  fileCheckFrequencyMs: 20_000,
  staticPodURL: "",
  staticPodURLHeader: {},
  httpCheckFrequencyMs: 20_000,
  syncFrequencyMs: 60_000,
  containerRuntimeEndpoint: "unix:///run/containerd/containerd.sock",
  imageServiceEndpoint: "",
  runtimeRequestTimeoutMs: 120_000,
  podLogsDir: "/var/log/pods",
  serializeImagePulls: true,
  maxPods: 110,
  clusterDomain: "",
  clusterDNS: [],
  resolvConf: "/etc/resolv.conf",
  cpuCFSQuota: true,
});

/**
 * The other fields of `kubelet.config.k8s.io/v1beta1` `KubeletConfiguration`
 * (`staging/src/k8s.io/kubelet/config/v1beta1/types.go`). A file may set them (it may be shared with a real
 * kubelet); minimal-kubelet warns that they have no effect here.
 */
export const IGNORED_FIELDS: ReadonlySet<string> = new Set([
  "enableServer",
  "address",
  "port",
  "readOnlyPort",
  "tlsCertFile",
  "tlsPrivateKeyFile",
  "tlsCipherSuites",
  "tlsCurvePreferences",
  "tlsMinVersion",
  "rotateCertificates",
  "serverTLSBootstrap",
  "authentication",
  "authorization",
  "registryPullQPS",
  "registryBurst",
  "imagePullCredentialsVerificationPolicy",
  "preloadedImagesVerificationAllowlist",
  "eventRecordQPS",
  "eventBurst",
  "enableDebuggingHandlers",
  "enableContentionProfiling",
  "healthzPort",
  "healthzBindAddress",
  "oomScoreAdj",
  "streamingConnectionIdleTimeout",
  "nodeStatusUpdateFrequency",
  "nodeStatusReportFrequency",
  "nodeLeaseDurationSeconds",
  "imageMinimumGCAge",
  "imageMaximumGCAge",
  "imageGCHighThresholdPercent",
  "imageGCLowThresholdPercent",
  "volumeStatsAggPeriod",
  "kubeletCgroups",
  "systemCgroups",
  "cgroupRoot",
  "cgroupsPerQOS",
  "cgroupDriver",
  "cpuManagerPolicy",
  "singleProcessOOMKill",
  "cpuManagerPolicyOptions",
  "cpuManagerReconcilePeriod",
  "draManagerReconcilePeriod",
  "memoryManagerPolicy",
  "topologyManagerPolicy",
  "topologyManagerScope",
  "topologyManagerPolicyOptions",
  "qosReserved",
  "hairpinMode",
  "podCIDR",
  "podPidsLimit",
  "runOnce",
  "cpuCFSQuotaPeriod",
  "nodeStatusMaxImages",
  "maxOpenFiles",
  "contentType",
  "kubeAPIQPS",
  "kubeAPIBurst",
  "maxParallelImagePulls",
  "evictionHard",
  "evictionSoft",
  "evictionSoftGracePeriod",
  "evictionPressureTransitionPeriod",
  "evictionMaxPodGracePeriod",
  "evictionMinimumReclaim",
  "mergeDefaultEvictionSettings",
  "podsPerCore",
  "enableControllerAttachDetach",
  "protectKernelDefaults",
  "makeIPTablesUtilChains",
  "iptablesMasqueradeBit",
  "iptablesDropBit",
  "featureGates",
  "failSwapOn",
  "memorySwap",
  "containerLogMaxSize",
  "containerLogMaxFiles",
  "containerLogMaxWorkers",
  "containerLogMonitorInterval",
  "configMapAndSecretChangeDetectionStrategy",
  "systemReserved",
  "kubeReserved",
  "reservedSystemCPUs",
  "showHiddenMetricsForVersion",
  "systemReservedCgroup",
  "kubeReservedCgroup",
  "enforceNodeAllocatable",
  "allowedUnsafeSysctls",
  "volumePluginDir",
  "providerID",
  "kernelMemcgNotification",
  "logging",
  "enableSystemLogHandler",
  "enableSystemLogQuery",
  "shutdownGracePeriod",
  "shutdownGracePeriodCriticalPods",
  "shutdownGracePeriodByPodPriority",
  "crashLoopBackOff",
  "reservedMemory",
  "enableProfilingHandler",
  "enableDebugFlagsHandler",
  "seccompDefault",
  "memoryThrottlingFactor",
  "memoryReservationPolicy",
  "registerWithTaints",
  "registerNode",
  "tracing",
  "localStorageCapacityIsolation",
  "failCgroupV1",
  "userNamespaces",
]);
