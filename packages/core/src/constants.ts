// Kubelet constants, in ms or bytes. Each names the upstream kubernetes/kubernetes file that defines it.

/** First CrashLoopBackOff delay: 10 s. Upstream: `pkg/kubelet/kubelet.go` (`containerBackOffPeriod`). */
export const CRASH_LOOP_BACKOFF_INITIAL_MS = 10_000;

/** CrashLoopBackOff cap: 300 s. Upstream: `pkg/kubelet/kubelet.go` (`MaxContainerBackOff`). */
export const CRASH_LOOP_BACKOFF_MAX_MS = 300_000;

/**
 * A crash-loop entry not updated for longer than 600 s starts over. Upstream: `pkg/kubelet/kubelet.go`
 * (the back-off's `HasExpiredFunc` override in `NewMainKubelet`).
 */
export const CRASH_LOOP_BACKOFF_RESET_MS = 600_000;

/** First image pull back-off delay: 10 s. Upstream: `pkg/kubelet/kubelet.go` (`imageBackOffPeriod`). */
export const IMAGE_PULL_BACKOFF_INITIAL_MS = 10_000;

/** Image pull back-off cap: 300 s. Upstream: `pkg/kubelet/kubelet.go` (`MaxImageBackOff`). */
export const IMAGE_PULL_BACKOFF_MAX_MS = 300_000;

/**
 * Default deadline of a CRI call: 2 min. Upstream: `pkg/kubelet/apis/config/v1beta1/defaults.go`
 * (`runtimeRequestTimeout`).
 */
export const DEFAULT_CRI_TIMEOUT_MS = 120_000;

/**
 * Largest CRI gRPC message, either way: 16 MiB (gRPC's default is 4 MiB). Upstream:
 * `staging/src/k8s.io/cri-client/pkg/utils.go` (`maxMsgSize`).
 */
export const CRI_MAX_MESSAGE_BYTES: number = 16 * 1024 * 1024;

/**
 * Floor of the grace period when stopping a container: 2 s. Upstream:
 * `pkg/kubelet/kuberuntime/kuberuntime_manager.go` (`minimumGracePeriodInSeconds`).
 */
export const MIN_KILL_GRACE_PERIOD_MS = 2_000;

/** Generic PLEG relist period: 1 s. Upstream: `pkg/kubelet/kubelet.go` (`genericPlegRelistPeriod`). */
export const PLEG_RELIST_PERIOD_MS = 1_000;

/**
 * PLEG is unhealthy when no relist succeeded for 3 min. Upstream: `pkg/kubelet/kubelet.go`
 * (`genericPlegRelistThreshold`).
 */
export const PLEG_RELIST_THRESHOLD_MS = 180_000;
