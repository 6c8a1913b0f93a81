/** The RPCs measured. */
export type MethodKey = "Version" | "ListContainers";

/** Per-method sizes: a cheap call gets all its calls, an expensive one stops at its time budget. */
export interface MethodSizes {
  /** Calls before measuring each case. */
  readonly warmupCalls: number;
  /** Rough time budget of each case's measured calls, in ms (see `MeasureOptions.budgetMs`). */
  readonly budgetMs: number;
}

/** How much to measure. Two plans: the default run and `--quick`. */
export interface BenchPlan {
  /** Calls measured one at a time, per case (fewer when the method's budget runs out first). */
  readonly sequentialCalls: number;
  /** Calls measured with `concurrency` in flight, per case (same budget rule). */
  readonly concurrentCalls: number;
  readonly concurrency: number;
  readonly methods: Readonly<Record<MethodKey, MethodSizes>>;
  /** `fromBinary` iterations (after `decodeWarmup`) of a 1,000-container response. */
  readonly decodeIterations: number;
  readonly decodeWarmup: number;
  /** `toBinary` iterations of the same response (encoding is slower; it is shown for comparison only). */
  readonly encodeIterations: number;
  /** Containers in the fake runtime, spread over `fakeSandboxes` sandboxes. */
  readonly fakeContainers: number;
  readonly fakeSandboxes: number;
  /** Containers to create in containerd, if `containerdCreateBudgetMs` allows, over `containerdSandboxes`. */
  readonly containerdContainers: number;
  readonly containerdSandboxes: number;
  readonly containerdCreateBudgetMs: number;
}

export const DEFAULT_PLAN: BenchPlan = {
  sequentialCalls: 2_000,
  concurrentCalls: 4_000,
  concurrency: 16,
  methods: {
    Version: { warmupCalls: 500, budgetMs: 8_000 },
    ListContainers: { warmupCalls: 10, budgetMs: 3_000 },
  },
  decodeIterations: 300,
  decodeWarmup: 30,
  encodeIterations: 50,
  fakeContainers: 1_000,
  fakeSandboxes: 50,
  containerdContainers: 1_000,
  containerdSandboxes: 4,
  containerdCreateBudgetMs: 60_000,
};

export const QUICK_PLAN: BenchPlan = {
  sequentialCalls: 200,
  concurrentCalls: 400,
  concurrency: 16,
  methods: {
    Version: { warmupCalls: 100, budgetMs: 1_000 },
    ListContainers: { warmupCalls: 3, budgetMs: 300 },
  },
  decodeIterations: 30,
  decodeWarmup: 5,
  encodeIterations: 5,
  fakeContainers: 1_000,
  fakeSandboxes: 50,
  containerdContainers: 100,
  containerdSandboxes: 2,
  containerdCreateBudgetMs: 10_000,
};
