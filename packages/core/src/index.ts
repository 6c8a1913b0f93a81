// biome-ignore-all assist/source/organizeImports: the house style lists the embedder API first, by hand.
// @kubelet-kit/core: the shared vocabulary of kubelet-kit. No I/O.
// Embedder API first (clocks, logger, back-off, events, errors, constants), then the subsystem contracts,
// then the pieces for people implementing Clock or the contracts themselves.

// Clocks
export type { Clock, RealClockOptions, TimerHandle } from "./clock.js";
export { createRealClock } from "./clock.js";
export type { FakeClock, FakeClockOptions } from "./fake-clock.js";
export { createFakeClock } from "./fake-clock.js";

// Logging
export type { LogFn, Logger, LogLevel, MemoryLogEntry, MemoryLogger } from "./logger.js";
export { createMemoryLogger, createNoopLogger, LOG_LEVELS } from "./logger.js";

// Back-off
export type { Backoff, BackoffOptions } from "./backoff.js";
export { createBackoff } from "./backoff.js";

// Events
export type { EventHub, EventHubOptions, EventMap, Subscribable, Unsubscribe } from "./events.js";
export { createEventHub } from "./events.js";

// Errors
export type { KubeletKitErrorCode, KubeletKitErrorOptions } from "./errors.js";
export { isKubeletKitError, KUBELET_KIT_ERROR_CODES, KubeletKitError } from "./errors.js";

// Kubelet constants
export {
  CRASH_LOOP_BACKOFF_INITIAL_MS,
  CRASH_LOOP_BACKOFF_MAX_MS,
  CRASH_LOOP_BACKOFF_RESET_MS,
  CRI_MAX_MESSAGE_BYTES,
  DEFAULT_CRI_TIMEOUT_MS,
  IMAGE_PULL_BACKOFF_INITIAL_MS,
  IMAGE_PULL_BACKOFF_MAX_MS,
  MIN_KILL_GRACE_PERIOD_MS,
  PLEG_RELIST_PERIOD_MS,
  PLEG_RELIST_THRESHOLD_MS,
} from "./constants.js";
export { formatGoDuration, parseGoDuration } from "./go-duration.js";
export { goQuote } from "./go-quote.js";
export type { EnvVarLike, ExpansionMapping } from "./expansion.js";
export { expand, expandContainerCommandOnlyStatic, mappingFor } from "./expansion.js";
export type { Quantity } from "./quantity.js";
export { compareQuantities, parseQuantity, quantityMilliValue, quantityValue } from "./quantity.js";

// Contracts: pods and runtime state
export type { ContainerRef, PodApiStatusOf, PodLike, PodRef, SecretLike } from "./contracts/pod-like.js";
export type {
  PodStatusSnapshot,
  RuntimeContainer,
  RuntimeContainerState,
  RuntimePod,
  RuntimeSandbox,
  RuntimeSandboxState,
} from "./contracts/runtime-pod.js";
export type {
  ContainerEventWatcher,
  RuntimeContainerEvent,
  RuntimeContainerEventType,
} from "./contracts/runtime-events.js";
export type {
  SyncAction,
  SyncActionError,
  SyncActionResult,
  SyncErrorReason,
  SyncResult,
} from "./contracts/sync-result.js";
export { isSyncSuccessful } from "./contracts/sync-result.js";
export { toRunningPod } from "./contracts/runtime-pod.js";

// Contracts: subsystems
export type {
  CallSignalOptions,
  CommandRunner,
  ContainerGcPolicy,
  ContainerHealth,
  ContainerLogEntry,
  ContainerLogOptions,
  ContainerLogReader,
  ExecResult,
  GarbageCollectOptions,
  KillPodOptions,
  ListPodsOptions,
  PodRuntime,
  PodStateProvider,
  RuntimeCondition,
  RuntimeHealth,
  RuntimeStatus,
  RuntimeVersioner,
  RuntimeVersionInfo,
  SyncPodOptions,
} from "./contracts/pod-runtime.js";
export type {
  PodSource,
  PodSourceEvents,
  PodSourceName,
  PodUpdate,
  PodUpdateType,
} from "./contracts/pod-source.js";
export type {
  PodStatusChange,
  PodStatusEntry,
  StatusManager,
  StatusManagerEvents,
} from "./contracts/status-manager.js";
export type {
  PodStatusGenerator,
  PodStatusInput,
  ProbeStateQuery,
  ProbeStateReader,
} from "./contracts/status-generator.js";
export type {
  ProbedContainer,
  ProbeKind,
  ProbeManager,
  ProbeManagerEvents,
  ProbeResult,
  ProbeResultEvent,
} from "./contracts/probe-manager.js";
export type { MountedVolume, VolumeManager, VolumeWaitOptions } from "./contracts/volume-manager.js";
export type { MachineInfo, StatsProvider, SummaryOptions } from "./contracts/stats-provider.js";
export type {
  ContainerStats,
  CpuStats,
  FsStats,
  InterfaceStats,
  MemoryStats,
  NetworkStats,
  NodeStats,
  PodStats,
  PsiData,
  PsiStats,
  StatsSummary,
  SwapStats,
  VolumeStats,
} from "./contracts/stats-summary.js";

// For implementers of Clock
export { sleepOn } from "./clock.js";
