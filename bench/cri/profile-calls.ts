// Per-call CPU cost of small unary calls: our client against a raw grpc-js stub over the same service
// definition, both talking to the fake runtime in a child process. Not part of `pnpm bench:cri`; run it on
// its own (from bench/) when working on the client's call path:
//
//   node --conditions=@kubelet-kit/source --import tsx cri/profile-calls.ts [--calls N] [--rounds N]
//        [--profile DIR] [--compare /path/to/other/cri-client/src/index.ts]
//
// Clients: ours as an embedder creates it, ours with one pass-through interceptor, and a raw grpc-js stub.
// For each method, prints each client's CPU time of this process per call (user + system,
// `process.cpuUsage`, median and lowest over the rounds) and its sequential calls per second; the clients
// take turns within every round, so load from elsewhere spreads over all of them. `--profile DIR` also
// writes one `.cpuprofile` per client (the three methods in turn) and prints where the self time went.
// `--compare` adds a third client: `createRuntimeService` loaded from another copy of the package's sources
// (e.g. an earlier commit extracted with `git archive`), to measure a change before and after in one run.
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { type Client, credentials, makeGenericClientConstructor, type ServiceError } from "@grpc/grpc-js";
import { CRI_MAX_MESSAGE_BYTES } from "@kubelet-kit/core";
import { RuntimeService } from "@kubelet-kit/cri-api";
import {
  createRuntimeService,
  type Interceptor,
  parseCriEndpoint,
  toGrpcServiceDefinition,
} from "@kubelet-kit/cri-client";
import { createCpuProfiler, formatProfileSummary, summarizeProfile } from "../lib/profile.js";
import { startFakeTarget } from "./fake-target.js";

/** The calls measured, behind one shape for every client. */
interface ProfiledClient {
  readonly key: string;
  version(): Promise<unknown>;
  /** The fake answers with the sandbox and its containers' statuses, as containerd ≥ 1.7 does. */
  podSandboxStatus(podSandboxId: string): Promise<unknown>;
  /** `ListContainers` filtered to one sandbox (5 containers). */
  listContainers(podSandboxId: string): Promise<unknown>;
  close(): void;
}

type MethodName = "Version" | "PodSandboxStatus" | "ListContainers";

const METHODS: Readonly<Record<MethodName, (client: ProfiledClient, sandboxId: string) => Promise<unknown>>> =
  {
    Version: (client) => client.version(),
    PodSandboxStatus: (client, id) => client.podSandboxStatus(id),
    ListContainers: (client, id) => client.listContainers(id),
  };

function openOurs(
  endpoint: string,
  create = createRuntimeService,
  key = "kubelet-kit",
  interceptors: readonly Interceptor[] = [],
): ProfiledClient {
  const runtime = create({ endpoint, interceptors });
  return {
    key,
    version: () => runtime.version({ version: "v1" }),
    podSandboxStatus: (podSandboxId) => runtime.podSandboxStatus({ podSandboxId }),
    listContainers: (podSandboxId) => runtime.listContainers({ filter: { podSandboxId } }),
    close: () => runtime.close(),
  };
}

type StubMethod = (request: object, callback: (err: ServiceError | null, response: unknown) => void) => void;

/** The same stub as bench:cri's `grpc-js raw stub` row: grpc-js defaults, no deadline, no signal. */
function openRaw(endpoint: string): ProfiledClient {
  const Stub = makeGenericClientConstructor(toGrpcServiceDefinition(RuntimeService), "RuntimeService");
  const stub = new Stub(parseCriEndpoint(endpoint).target, credentials.createInsecure(), {
    "grpc.max_receive_message_length": CRI_MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": CRI_MAX_MESSAGE_BYTES,
    "grpc.default_authority": "localhost",
    "grpc.use_local_subchannel_pool": 1,
  }) as unknown as Record<string, StubMethod> & Client;
  const unary = (method: string, request: object): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const fn = stub[method];
      if (fn === undefined) throw new Error(`no stub method ${method}`);
      fn.call(stub, request, (err, response) => (err ? reject(err) : resolve(response)));
    });
  return {
    key: "grpc-js raw",
    version: () => unary("version", { version: "v1" }),
    podSandboxStatus: (podSandboxId) => unary("podSandboxStatus", { podSandboxId }),
    listContainers: (podSandboxId) => unary("listContainers", { filter: { podSandboxId } }),
    close: () => stub.close(),
  };
}

/** Makes `calls` sequential calls of `methods` in turn. */
async function run(
  client: ProfiledClient,
  methods: readonly MethodName[],
  sandboxIds: readonly string[],
  calls: number,
): Promise<void> {
  for (let i = 0; i < calls; i++) {
    await METHODS[methods[i % methods.length] ?? "Version"](client, sandboxIds[i % sandboxIds.length] ?? "");
  }
}

/** One client's rounds of one method: CPU µs per call and calls per second, one entry per round. */
interface Rounds {
  readonly cpuUsPerCall: number[];
  readonly callsPerSecond: number[];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      calls: { type: "string", default: "6000" },
      rounds: { type: "string", default: "12" },
      profile: { type: "string" },
      compare: { type: "string" },
    },
  });
  const compared =
    values.compare === undefined
      ? undefined
      : ((await import(pathToFileURL(resolve(values.compare)).href)) as {
          createRuntimeService: typeof createRuntimeService;
        });
  const rounds = Math.max(1, Number(values.rounds));
  const callsPerRound = Math.max(1, Math.ceil(Number(values.calls) / rounds));
  const methods = Object.keys(METHODS) as MethodName[];
  const workDir = await mkdtemp(join(tmpdir(), "kubelet-kit-profile-"));
  const fake = await startFakeTarget({
    containers: 100,
    sandboxes: 20,
    socketPath: join(workDir, "fake.sock"),
    logDirectory: join(workDir, "fake-logs"),
  });
  // Our client with one interceptor that passes calls on: the context path (a `CallContext` and its
  // `AbortSignal` per call), as an agent that records or logs its calls takes.
  const passThrough: Interceptor = (next) => (req) => next(req);
  const clients = [
    openOurs(fake.endpoint),
    openRaw(fake.endpoint),
    openOurs(fake.endpoint, createRuntimeService, "+interceptor", [passThrough]),
  ];
  if (compared !== undefined) {
    clients.push(openOurs(fake.endpoint, compared.createRuntimeService, "compared"));
  }
  const loadStart = loadavg()[0] ?? Number.NaN;
  try {
    const lister = createRuntimeService({ endpoint: fake.endpoint });
    const sandboxIds = (await lister.listPodSandbox({})).items.map((s) => s.id);
    lister.close();
    for (const client of clients) await run(client, methods, sandboxIds, 3_000);

    const results = new Map<string, Rounds>();
    const resultOf = (method: MethodName, key: string): Rounds => {
      const id = `${method} ${key}`;
      let result = results.get(id);
      if (result === undefined) {
        result = { cpuUsPerCall: [], callsPerSecond: [] };
        results.set(id, result);
      }
      return result;
    };
    for (let round = 0; round < rounds; round++) {
      for (const method of methods) {
        for (let i = 0; i < clients.length; i++) {
          const client = clients[(round + i) % clients.length];
          if (client === undefined) continue;
          const cpu = process.cpuUsage();
          const start = performance.now();
          await run(client, [method], sandboxIds, callsPerRound);
          const wallMs = performance.now() - start;
          const used = process.cpuUsage(cpu);
          const result = resultOf(method, client.key);
          result.cpuUsPerCall.push((used.user + used.system) / callsPerRound);
          result.callsPerSecond.push((callsPerRound * 1000) / wallMs);
        }
      }
    }
    const loadEnd = loadavg()[0] ?? Number.NaN;
    process.stdout.write(
      `${callsPerRound * rounds} sequential calls per client and method, in ${rounds} interleaved rounds; ` +
        `1-min load ${loadStart.toFixed(2)} → ${loadEnd.toFixed(2)}\n` +
        `${"method".padEnd(17)} ${"client".padEnd(12)} CPU µs/call median    min   calls/s median\n`,
    );
    for (const method of methods) {
      const baseline = median(resultOf(method, clients[0]?.key ?? "").cpuUsPerCall);
      for (const client of clients) {
        const result = resultOf(method, client.key);
        const cpu = median(result.cpuUsPerCall);
        process.stdout.write(
          `${method.padEnd(17)} ${client.key.padEnd(12)} ${cpu.toFixed(1).padStart(18)} ` +
            `${Math.min(...result.cpuUsPerCall)
              .toFixed(1)
              .padStart(6)} ${Math.round(median(result.callsPerSecond))
              .toString()
              .padStart(16)}   (${(cpu / baseline).toFixed(2)}× ours)\n`,
        );
      }
    }

    if (values.profile !== undefined) {
      for (const client of clients) {
        const profiler = createCpuProfiler(100);
        await profiler.start();
        await run(client, methods, sandboxIds, callsPerRound * 3);
        const file = join(values.profile, `${client.key.replace(/\W+/g, "-")}.cpuprofile`);
        const profile = await profiler.stop(file);
        process.stdout.write(
          `${formatProfileSummary(`${client.key}, ${callsPerRound * 3} calls (${file})`, summarizeProfile(profile, 30))}\n`,
        );
      }
    }
  } finally {
    for (const client of clients) client.close();
    await fake.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

await main();
