// The messages between the benchmark and its fake-runtime child process (Node IPC, JSON).

/** What the child needs, passed as one JSON argument. */
export interface FakeServerArgs {
  readonly socketPath: string;
  readonly logDirectory: string;
  readonly containers: number;
  readonly sandboxes: number;
}

/** Child → benchmark. */
export type FakeServerMessage =
  | {
      readonly type: "ready";
      readonly endpoint: string;
      /** Version's runtime name and version. */
      readonly runtime: string;
      readonly containers: number;
      readonly createMs: number;
    }
  | { readonly type: "error"; readonly message: string };

/** Benchmark → child. */
export type FakeServerRequest = { readonly type: "stop" };

export function formatFakeServerArgs(args: FakeServerArgs): string[] {
  return [JSON.stringify(args)];
}

export function parseFakeServerArgs(argv: readonly string[]): FakeServerArgs {
  const parsed: unknown = JSON.parse(argv[0] ?? "null");
  if (typeof parsed !== "object" || parsed === null)
    throw new TypeError("fake-server: expected one JSON argument");
  const args = parsed as Partial<FakeServerArgs>;
  if (typeof args.socketPath !== "string" || typeof args.logDirectory !== "string") {
    throw new TypeError("fake-server: socketPath and logDirectory are required");
  }
  return {
    socketPath: args.socketPath,
    logDirectory: args.logDirectory,
    containers: Number(args.containers ?? 0),
    sandboxes: Math.max(1, Number(args.sandboxes ?? 1)),
  };
}
