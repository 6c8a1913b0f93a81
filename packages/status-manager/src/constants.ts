// Reasons, messages and limits the kubelet writes into pod statuses, each traced to its upstream source
// (kubernetes/kubernetes).

/** Waiting reason of a container not created yet, in a pod without init containers (`kubelet_pods.go`). */
export const REASON_CONTAINER_CREATING = "ContainerCreating";
/** Waiting reason of a regular container while the pod's init containers run (`kubelet_pods.go`). */
export const REASON_POD_INITIALIZING = "PodInitializing";
/** Terminated reason the kubelet makes up for a container it lost track of (`container/runtime.go`). */
export const REASON_CONTAINER_STATUS_UNKNOWN = "ContainerStatusUnknown";
/** Exit code of the made-up terminations (`kubelet_pods.go`, `status_manager.go`). */
export const UNKNOWN_CONTAINER_EXIT_CODE = 137;

/** Message of a made-up termination: the runtime lost a running container, or the pod was terminated. */
export const MESSAGE_CONTAINER_LOST_AT_TERMINATION =
  "The container could not be located when the pod was terminated";
/** Message of the made-up last termination of a running container that vanished (two spaces, as upstream). */
export const MESSAGE_CONTAINER_LOST_AT_DELETION =
  "The container could not be located when the pod was deleted.  The container used to be Running";
/** Message of an init container assumed complete because regular containers already exist. */
export const MESSAGE_INIT_CONTAINER_ASSUMED_COMPLETED =
  "Unable to get init container status from container runtime and pod has been initialized, treat it as exited normally";

/** Condition reasons (`pkg/kubelet/status/generate.go`). */
export const REASON_UNKNOWN_CONTAINER_STATUSES = "UnknownContainerStatuses";
export const REASON_POD_COMPLETED = "PodCompleted";
export const REASON_POD_FAILED = "PodFailed";
export const REASON_CONTAINERS_NOT_READY = "ContainersNotReady";
export const REASON_CONTAINERS_NOT_INITIALIZED = "ContainersNotInitialized";
export const REASON_READINESS_GATES_NOT_READY = "ReadinessGatesNotReady";

/**
 * Reason of a False `PodReadyToStartContainers` condition (`pkg/kubelet/types/constants.go`, added by
 * kubernetes/kubernetes#135300; before that the condition carried no reason).
 */
export const REASON_POD_SANDBOX_NOT_READY = "PodSandboxNotReady";
/** Messages of a False `PodReadyToStartContainers` condition, by why a new sandbox is needed. */
export const POD_SANDBOX_NOT_READY_MESSAGES = {
  noSandbox: "no pod sandbox exists",
  noIpAddress: "pod sandbox has no IP address",
  // The three below could not be read upstream; they follow the style of the two verified ones.
  multipleSandboxes: "multiple pod sandboxes are ready",
  sandboxNotReady: "pod sandbox is not ready",
  networkNamespaceChanged: "pod sandbox network namespace mode changed",
} as const;

/**
 * Bytes of termination messages one pod may carry in its status, split evenly across its containers
 * (`MaxPodTerminationMessageLogLength`, `pkg/kubelet/container/runtime.go`: 12 KiB).
 */
export const MAX_POD_TERMINATION_MESSAGE_BYTES = 12 * 1024;

/** Annotation naming a pod's config source; a pod is static when it is set to anything but `api`. */
export const CONFIG_SOURCE_ANNOTATION = "kubernetes.io/config.source";
/** The config source of pods that came from the API server. */
export const API_SERVER_SOURCE = "api";

/** How often the status manager re-checks every pod (`syncPeriod`, `status_manager.go`: 10 s). */
export const STATUS_SYNC_PERIOD_MS = 10_000;
