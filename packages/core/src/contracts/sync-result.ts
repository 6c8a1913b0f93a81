/** What a sync step tried to do. The kubelet's `kubecontainer.SyncAction` values. */
export type SyncAction =
  | "StartContainer"
  | "KillContainer"
  | "InitContainer"
  | "CreatePodSandbox"
  | "ConfigPodSandbox"
  | "KillPodSandbox"
  | "SetupNetwork"
  | "TeardownNetwork"
  | "ResizePodInPlace";

/**
 * Why a sync step failed, as the kubelet names it. These become a container's waiting reason in the API
 * status (`CrashLoopBackOff`, `ImagePullBackOff`, …). Open-ended: runtimes may add their own.
 */
export type SyncErrorReason =
  | "CrashLoopBackOff"
  | "ImagePullBackOff"
  | "ErrImagePull"
  | "ErrImageNeverPull"
  | "InvalidImageName"
  | "RegistryUnavailable"
  | "SignatureValidationFailed"
  | "CreateContainerConfigError"
  | "CreateContainerError"
  | "PreStartHookError"
  | "PostStartHookError"
  | "RunContainerError"
  | "RunInitContainerError"
  | "KillContainerError"
  | "CreatePodSandboxError"
  | "ConfigPodSandboxError"
  | "KillPodSandboxError"
  | "ResizePodInPlaceError"
  | (string & {});

/** Outcome of one step of a pod sync (the kubelet's `kubecontainer.SyncResult`). */
export interface SyncActionResult {
  readonly action: SyncAction;
  /** What the action was applied to: a container name for container actions, the pod's full name otherwise. */
  readonly target: string;
  /** Set when the step failed. */
  readonly error?: SyncActionError;
}

/** Why one sync step failed. */
export interface SyncActionError {
  readonly reason: SyncErrorReason;
  /** Human-readable detail, shown as the waiting message (e.g. `back-off 20s restarting failed container=…`). */
  readonly message: string;
  /**
   * For back-off failures: when the step may be retried, in ms since the epoch. Lets the pod worker wake
   * exactly then instead of at its regular resync.
   */
  readonly retryAtMs?: number;
  /** The underlying error, for logs. */
  readonly cause?: unknown;
}

/** Outcome of `PodRuntime.syncPod` (the kubelet's `kubecontainer.PodSyncResult`). */
export interface SyncResult {
  /** One entry per attempted step, in the order they were attempted. */
  readonly results: readonly SyncActionResult[];
  /** A failure outside any single step (e.g. computing actions failed). */
  readonly syncError?: unknown;
}

/** True when no step failed and there was no overall error. */
export function isSyncSuccessful(result: SyncResult): boolean {
  return result.syncError === undefined && result.results.every((r) => r.error === undefined);
}
