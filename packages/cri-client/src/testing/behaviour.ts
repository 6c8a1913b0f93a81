import { KubeletKitError } from "@kubelet-kit/core";
import { normalizeImageRef } from "./image-ref.js";

/** The container annotation (or `<key>.<container name>` pod annotation) holding a JSON {@link ContainerBehaviour}. */
export const BEHAVIOUR_ANNOTATION = "kubelet-kit.dev/fake-behaviour";

/** One line the container's process writes, `afterMs` after it started (default 0: at start). */
export interface ScriptedLogLine {
  afterMs?: number;
  /** Default `"stdout"`. */
  stream?: "stdout" | "stderr";
  /** One line without its newline; embedded newlines split it into several lines. */
  line: string;
}

/** How an ExecSync is answered. The first rule whose `match` fits the command wins. */
export interface ScriptedExec {
  /** The command's leading words (`["cat", "/tmp/healthy"]`), or a predicate over the whole command. */
  match: readonly string[] | ((cmd: readonly string[]) => boolean);
  /** Default `""`. */
  stdout?: string;
  /** Default `""`. */
  stderr?: string;
  /** Default 0. */
  exitCode?: number;
  /** How long the command runs, on the fake's clock. Default 0. A request `timeout` shorter than this fails the call. */
  delayMs?: number;
  /** The rule applies only once the container has run this long (fake clock, since StartContainer). Default 0. */
  fromMs?: number;
  /** The rule applies only before the container has run this long. Default: forever. */
  untilMs?: number;
}

/** One route of an HTTP {@link ScriptedListener}. */
export interface ScriptedRoute {
  /** Compared with the request's path, query string ignored (`"/healthz"`). */
  path: string;
  /** Default 200. */
  status?: number;
  /** Sent as `Content-Type: text/plain`. Default "". */
  body?: string;
  /** The route applies only once the container has run this long (fake clock). Default 0. */
  fromMs?: number;
  /** The route applies only before the container has run this long. Default: forever. */
  untilMs?: number;
}

/**
 * A real TCP listener on the sandbox's IP while the container runs (the IP must be in 127.0.0.0/8: give the
 * fake a loopback `podSubnet`). Opened at StartContainer; closed, with every accepted connection destroyed,
 * when the container stops running (exit, StopContainer, OOM kill, RemoveContainer, StopPodSandbox) or the
 * fake is closed.
 */
export interface ScriptedListener {
  /** 1–65535. Two listeners of one container may share a port only with windows that do not overlap. */
  port: number;
  /** "http": answers HTTP/1.1 from `routes`; "tcp": accepts connections and holds them until the peer closes. */
  protocol: "http" | "tcp";
  /** The port is open only in [fromMs, untilMs) of the container's running time; outside it connects are refused. */
  fromMs?: number;
  untilMs?: number;
  /** http only: first route whose path equals the request path (query ignored) and whose window holds wins; none → 404. */
  routes?: readonly ScriptedRoute[];
}

/** Resource usage reported by ContainerStats / ListContainerStats. Unset fields get defaults (see the docs). */
export interface FakeContainerStats {
  cpuUsageCoreNanoSeconds?: number | bigint;
  cpuUsageNanoCores?: number | bigint;
  memoryWorkingSetBytes?: number | bigint;
  memoryUsageBytes?: number | bigint;
  memoryRssBytes?: number | bigint;
  memoryAvailableBytes?: number | bigint;
  memoryPageFaults?: number | bigint;
  memoryMajorPageFaults?: number | bigint;
  writableLayerUsedBytes?: number | bigint;
  writableLayerInodesUsed?: number | bigint;
}

/** What the container's main process does. */
export type ContainerLifecycle =
  /** Runs until stopped. The default. */
  | { kind: "run-forever" }
  /** Exits by itself with `code`, `afterMs` after StartContainer (0: at once). */
  | { kind: "exit"; code: number; afterMs?: number }
  /** StartContainer fails as runc does; the container ends EXITED, exit code 128, reason `StartError`. */
  | { kind: "crash-on-start"; message?: string };

/** Everything scriptable about a container. JSON-compatible except predicate `exec` matches. */
export type ContainerBehaviour = (ContainerLifecycle | { kind?: undefined }) & {
  logs?: readonly ScriptedLogLine[];
  exec?: readonly ScriptedExec[];
  stats?: FakeContainerStats;
  /**
   * The process ignores SIGTERM (as a shell running as PID 1 without a trap does): StopContainer waits its
   * full `timeout`, then SIGKILLs (exit code 137). Default false: SIGTERM ends it.
   */
  ignoreSigterm?: boolean;
  /** Exit code when SIGTERM ends the process. Default 143 (128 + 15); a handler that exits cleanly: 0. */
  sigtermExitCode?: number;
  /** How long the process takes to exit after SIGTERM, on the fake's clock. Default 0. */
  sigtermExitAfterMs?: number;
  /** The kernel OOM-kills the process this long after start: exit code 137, reason `OOMKilled`. */
  oomKillAfterMs?: number;
  /** Real listeners on loopback while the container runs (the sandbox IP must be in 127.0.0.0/8, see podSubnet). */
  listen?: readonly ScriptedListener[];
};

/**
 * Picks a behaviour for a new container. Every criterion given must match; the first matching rule wins.
 * An annotation on the container (or pod) overrides all rules.
 */
export interface ContainerBehaviourRule {
  /** The image as requested, compared after normalisation (`busybox` ≡ `docker.io/library/busybox:latest`). */
  image?: string;
  /**
   * The process's argv (`command` + `args`): a string is compared with the argv joined by single spaces, an
   * array element-wise; a predicate receives the argv.
   */
  command?: string | readonly string[] | ((argv: readonly string[]) => boolean);
  /** The container's metadata name. */
  name?: string;
  behaviour: ContainerBehaviour;
}

/** What a rule is matched against. */
export interface BehaviourSubject {
  readonly image: string;
  readonly argv: readonly string[];
  readonly name: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly podAnnotations: Readonly<Record<string, string>>;
}

/** Chooses the behaviour of a container: annotation, then rules, then run-forever. Throws on a bad annotation. */
export function selectBehaviour(
  rules: readonly ContainerBehaviourRule[],
  subject: BehaviourSubject,
): ContainerBehaviour {
  const annotated =
    subject.annotations[BEHAVIOUR_ANNOTATION] ??
    subject.podAnnotations[`${BEHAVIOUR_ANNOTATION}.${subject.name}`];
  if (annotated !== undefined) return parseBehaviourJson(annotated);
  for (const rule of rules) {
    if (ruleMatches(rule, subject)) return rule.behaviour;
  }
  return { kind: "run-forever" };
}

function ruleMatches(rule: ContainerBehaviourRule, subject: BehaviourSubject): boolean {
  if (rule.name !== undefined && rule.name !== subject.name) return false;
  if (rule.image !== undefined) {
    const wanted = normalizeImageRef(rule.image) ?? rule.image;
    const actual = normalizeImageRef(subject.image) ?? subject.image;
    if (wanted !== actual) return false;
  }
  const { command } = rule;
  if (command === undefined) return true;
  if (typeof command === "function") return command(subject.argv);
  if (typeof command === "string") return command === subject.argv.join(" ");
  return command.length === subject.argv.length && command.every((word, i) => word === subject.argv[i]);
}

/** Parses and checks a JSON behaviour (annotation value or CLI file entry). */
export function parseBehaviourJson(text: string): ContainerBehaviour {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new KubeletKitError(
      "InvalidArgument",
      `${BEHAVIOUR_ANNOTATION}: not JSON: ${(err as Error).message}`,
    );
  }
  return validateBehaviour(value, BEHAVIOUR_ANNOTATION);
}

/** Checks the shape of an untrusted behaviour object; returns it typed. */
export function validateBehaviour(value: unknown, where: string): ContainerBehaviour {
  const fail = (what: string): never => {
    throw new KubeletKitError("InvalidArgument", `${where}: ${what}`);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value))
    fail("a behaviour must be an object");
  const b = value as Record<string, unknown>;
  const kind = b.kind;
  if (kind !== undefined && kind !== "run-forever" && kind !== "exit" && kind !== "crash-on-start") {
    fail(`unknown kind ${JSON.stringify(kind)} (run-forever, exit, crash-on-start)`);
  }
  if (kind === "exit" && !Number.isInteger(b.code)) fail("kind exit needs an integer `code`");
  for (const key of ["afterMs", "oomKillAfterMs", "sigtermExitAfterMs"]) {
    if (b[key] !== undefined && !(typeof b[key] === "number" && (b[key] as number) >= 0)) {
      fail(`\`${key}\` must be a number >= 0`);
    }
  }
  if (b.logs !== undefined) {
    if (!Array.isArray(b.logs)) fail("`logs` must be an array");
    for (const line of b.logs as unknown[]) {
      const entry = line as Record<string, unknown> | null;
      if (typeof entry !== "object" || entry === null || typeof entry.line !== "string") {
        fail("every `logs` entry needs a string `line`");
      }
      if (entry?.stream !== undefined && entry.stream !== "stdout" && entry.stream !== "stderr") {
        fail("a log `stream` is stdout or stderr");
      }
    }
  }
  if (b.exec !== undefined) {
    if (!Array.isArray(b.exec)) fail("`exec` must be an array");
    (b.exec as unknown[]).forEach((rule, i) => {
      const match = (rule as Record<string, unknown> | null)?.match;
      if (!Array.isArray(match) && typeof match !== "function")
        fail("every `exec` entry needs a `match` array");
      checkWindow(rule as Record<string, unknown>, `exec[${i}]`, fail);
    });
  }
  if (b.listen !== undefined) checkListeners(b.listen, fail);
  if (b.stats !== undefined && (typeof b.stats !== "object" || b.stats === null))
    fail("`stats` must be an object");
  return b as ContainerBehaviour;
}

/** Checks optional `fromMs` / `untilMs`: numbers >= 0, `untilMs` after `fromMs`. */
function checkWindow(entry: Record<string, unknown>, at: string, fail: (what: string) => never): void {
  for (const key of ["fromMs", "untilMs"]) {
    const v = entry[key];
    if (v !== undefined && !(typeof v === "number" && v >= 0)) fail(`\`${at}.${key}\` must be a number >= 0`);
  }
  if (
    entry.untilMs !== undefined &&
    (entry.untilMs as number) <= ((entry.fromMs as number | undefined) ?? 0)
  ) {
    fail(`\`${at}.untilMs\` must be greater than \`fromMs\` (default 0)`);
  }
}

function checkListeners(value: unknown, fail: (what: string) => never): void {
  if (!Array.isArray(value)) fail("`listen` must be an array");
  const listeners = value as unknown[];
  listeners.forEach((item, i) => {
    const at = `listen[${i}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) fail(`\`${at}\` must be an object`);
    const l = item as Record<string, unknown>;
    if (!(Number.isInteger(l.port) && (l.port as number) >= 1 && (l.port as number) <= 65535)) {
      fail(`\`${at}.port\` must be an integer from 1 to 65535`);
    }
    if (l.protocol !== "http" && l.protocol !== "tcp") fail(`\`${at}.protocol\` must be "http" or "tcp"`);
    checkWindow(l, at, fail);
    if (l.routes === undefined) return;
    if (l.protocol !== "http") fail(`\`${at}.routes\` needs protocol "http"`);
    if (!Array.isArray(l.routes)) fail(`\`${at}.routes\` must be an array`);
    (l.routes as unknown[]).forEach((route, j) => {
      const routeAt = `${at}.routes[${j}]`;
      if (typeof route !== "object" || route === null || Array.isArray(route))
        fail(`\`${routeAt}\` must be an object`);
      const r = route as Record<string, unknown>;
      if (typeof r.path !== "string" || !r.path.startsWith("/"))
        fail(`\`${routeAt}.path\` must start with "/"`);
      const status = r.status;
      if (
        status !== undefined &&
        !(Number.isInteger(status) && (status as number) >= 100 && (status as number) <= 599)
      ) {
        fail(`\`${routeAt}.status\` must be an integer from 100 to 599`);
      }
      if (r.body !== undefined && typeof r.body !== "string") fail(`\`${routeAt}.body\` must be a string`);
      checkWindow(r, routeAt, fail);
    });
  });
  // One port, one socket at a time: listeners sharing a port must take turns.
  const typed = listeners as ScriptedListener[];
  typed.forEach((a, i) => {
    typed.slice(0, i).forEach((b, k) => {
      if (a.port === b.port && windowsOverlap(a, b)) {
        fail(`\`listen[${k}]\` and \`listen[${i}]\` both open port ${a.port} at the same time`);
      }
    });
  });
}

function windowsOverlap(
  a: { fromMs?: number; untilMs?: number },
  b: { fromMs?: number; untilMs?: number },
): boolean {
  const aFrom = a.fromMs ?? 0;
  const bFrom = b.fromMs ?? 0;
  const aUntil = a.untilMs ?? Number.POSITIVE_INFINITY;
  const bUntil = b.untilMs ?? Number.POSITIVE_INFINITY;
  return aFrom < bUntil && bFrom < aUntil;
}

/** Checks rules given to the fake (or read from the CLI's JSON file). */
export function validateRules(value: unknown, where: string): ContainerBehaviourRule[] {
  if (!Array.isArray(value))
    throw new KubeletKitError("InvalidArgument", `${where}: expected an array of rules`);
  return value.map((rule, i) => {
    const at = `${where}[${i}]`;
    if (typeof rule !== "object" || rule === null)
      throw new KubeletKitError("InvalidArgument", `${at}: not an object`);
    const r = rule as Record<string, unknown>;
    for (const key of ["image", "name"]) {
      if (r[key] !== undefined && typeof r[key] !== "string") {
        throw new KubeletKitError("InvalidArgument", `${at}: \`${key}\` must be a string`);
      }
    }
    const command = r.command;
    const validCommand =
      command === undefined ||
      typeof command === "string" ||
      typeof command === "function" ||
      (Array.isArray(command) && command.every((word) => typeof word === "string"));
    if (!validCommand) {
      throw new KubeletKitError(
        "InvalidArgument",
        `${at}: \`command\` must be a string, a string array or a function`,
      );
    }
    validateBehaviour(r.behaviour, `${at}.behaviour`);
    return r as unknown as ContainerBehaviourRule;
  });
}
