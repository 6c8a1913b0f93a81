import type { PodRef, SecretLike } from "@kubelet-kit/core";
import { isKubeletKitError, KubeletKitError } from "@kubelet-kit/core";
import type { AuthConfig, PodSandboxConfig } from "@kubelet-kit/cri-api";
import type { RuntimeContext } from "./context.js";
import { formatGoDuration } from "./go-format.js";

/** Waiting reasons an image problem produces (`pkg/kubelet/images/types.go`, cri-api errors). */
export type ImageErrorReason =
  | "ErrImagePull"
  | "ImagePullBackOff"
  | "ErrImageNeverPull"
  | "InvalidImageName"
  | "ImageInspectError"
  | "RegistryUnavailable"
  | "SignatureValidationFailed";

/** Outcome of {@link ImageManager.ensureImageExists}. */
export type EnsureImageResult =
  | { readonly ok: true; readonly imageRef: string }
  | {
      readonly ok: false;
      readonly reason: ImageErrorReason;
      readonly message: string;
      /** `ImagePullBackOff` only: when the back-off ends, ms since the epoch. */
      readonly retryAtMs?: number;
    };

/** What an image pull needs to know about the container. */
export interface ImageRequest {
  readonly pod: PodRef;
  readonly podAnnotations: Readonly<Record<string, string>>;
  readonly containerName: string;
  /** The image as written in the spec. */
  readonly image: string;
  readonly pullPolicy: "Always" | "IfNotPresent" | "Never";
  readonly pullSecrets: readonly SecretLike[];
  readonly sandboxConfig: PodSandboxConfig;
  readonly signal?: AbortSignal;
}

/** Pulls images per pull policy with a per pod+image back-off (`pkg/kubelet/images/image_manager.go`). */
export interface ImageManager {
  ensureImageExists(request: ImageRequest): Promise<EnsureImageResult>;
}

/**
 * `applyDefaultImageTag`: an image with neither tag nor digest gets `:latest` (without adding a registry);
 * `undefined` for a reference that does not parse.
 */
export function applyDefaultImageTag(image: string): string | undefined {
  if (
    image === "" ||
    /\s/.test(image) ||
    image.startsWith("/") ||
    image.endsWith("/") ||
    image.endsWith(":")
  ) {
    return undefined;
  }
  if (image.includes("@")) return image;
  const lastSlash = image.lastIndexOf("/");
  const repository = image.includes(":", lastSlash + 1) ? image.slice(0, image.lastIndexOf(":")) : image;
  const path =
    repository.includes("/") && /[.:]|^localhost$/.test(repository.split("/")[0] ?? "")
      ? repository.slice(repository.indexOf("/") + 1)
      : repository;
  if (path !== path.toLowerCase() || path.includes("//")) return undefined;
  return image.includes(":", lastSlash + 1) ? image : `${image}:latest`;
}

/** Go's `err.Error()` of a gRPC error: `rpc error: code = <Code> desc = <message>`. */
export function grpcErrorText(err: unknown): string {
  if (isKubeletKitError(err)) return `rpc error: code = ${err.code} desc = ${err.rawMessage}`;
  return err instanceof Error ? err.message : String(err);
}

/** The message of a failed pull: the cri-client strips `Unknown` status errors to their description. */
function pullErrorText(err: unknown): string {
  if (isKubeletKitError(err) && err.code === "Unknown") return err.rawMessage;
  return grpcErrorText(err);
}

function registryHost(image: string): string {
  const first = image.split("/")[0] ?? "";
  const hasRegistry = image.includes("/") && (/[.:]/.test(first) || first === "localhost");
  return normalizeHost(hasRegistry ? first : "docker.io");
}

function normalizeHost(host: string): string {
  const bare = host.replace(/^[a-z]+:\/\//, "").split("/")[0] ?? "";
  return bare === "index.docker.io" || bare === "registry-1.docker.io" ? "docker.io" : bare;
}

/** Credentials for `image` from `kubernetes.io/dockerconfigjson` and `kubernetes.io/dockercfg` secrets. */
export function credentialsFor(
  image: string,
  secrets: readonly SecretLike[],
): Omit<AuthConfig, "$typeName">[] {
  const host = registryHost(image);
  const found: Omit<AuthConfig, "$typeName">[] = [];
  for (const secret of secrets) {
    const raw = secret.data?.[".dockerconfigjson"] ?? secret.data?.[".dockercfg"];
    if (raw === undefined) continue;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(Buffer.from(raw, "base64").toString("utf8")) as Record<string, unknown>;
    } catch {
      continue;
    }
    const auths = (secret.data?.[".dockerconfigjson"] !== undefined ? parsed.auths : parsed) as
      | Record<string, { username?: string; password?: string; auth?: string }>
      | undefined;
    for (const [server, entry] of Object.entries(auths ?? {})) {
      if (normalizeHost(server) !== host) continue;
      let { username = "", password = "" } = entry;
      if (username === "" && entry.auth !== undefined) {
        const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
        const colon = decoded.indexOf(":");
        if (colon >= 0) {
          username = decoded.slice(0, colon);
          password = decoded.slice(colon + 1);
        }
      }
      found.push({
        username,
        password,
        auth: "",
        serverAddress: server,
        identityToken: "",
        registryToken: "",
      });
    }
  }
  return found;
}

/** Creates the image manager over the context's ImageService and image back-off. */
export function createImageManager(
  ctx: RuntimeContext,
  options: { serializeImagePulls: boolean },
): ImageManager {
  let queue: Promise<unknown> = Promise.resolve();
  // The last failed pull of each back-off key: `<reason>: <message>`, appended to the waiting message while
  // the pull backs off (upstream `prevPullErrMsg`, Kubernetes 1.32+), and when it failed (the back-off's
  // update time), for `retryAtMs`.
  const lastFailures = new Map<string, { readonly text: string; readonly atMs: number }>();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    if (!options.serializeImagePulls) return fn();
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  const pull = async (
    image: string,
    request: ImageRequest,
  ): Promise<{ imageRef: string; pullMs: number }> => {
    const creds = credentialsFor(image, request.pullSecrets);
    const attempts = creds.length === 0 ? [undefined] : creds;
    let lastError: unknown;
    const startedAt = ctx.clock.now();
    for (const auth of attempts) {
      try {
        const response = await ctx.images.pullImage(
          {
            image: { image, annotations: { ...request.podAnnotations } },
            ...(auth !== undefined ? { auth } : {}),
            sandboxConfig: request.sandboxConfig,
          },
          { signal: request.signal, timeoutMs: Number.POSITIVE_INFINITY },
        );
        return { imageRef: response.imageRef, pullMs: ctx.clock.now() - startedAt };
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  };

  return {
    async ensureImageExists(request) {
      const { pod, containerName, image } = request;
      const warn = (reason: "InspectFailed" | "ErrImageNeverPull" | "Failed", message: string) =>
        ctx.emit("Warning", reason, pod, message, containerName);
      const defaulted = applyDefaultImageTag(image);
      if (defaulted === undefined) {
        const message = `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`;
        warn("InspectFailed", message);
        return { ok: false, reason: "InvalidImageName", message };
      }
      let present = "";
      try {
        const status = await ctx.images.imageStatus(
          { image: { image: defaulted, annotations: { ...request.podAnnotations } } },
          { signal: request.signal },
        );
        present = status.image?.id ?? "";
      } catch (err) {
        const message = `Failed to inspect image "${image}": ${grpcErrorText(err)}`;
        warn("InspectFailed", message);
        return { ok: false, reason: "ImageInspectError", message };
      }
      const shouldPull =
        request.pullPolicy === "Always" || (request.pullPolicy === "IfNotPresent" && present === "");
      if (!shouldPull) {
        if (present !== "") {
          ctx.emit(
            "Normal",
            "Pulled",
            pod,
            `Container image "${image}" already present on machine`,
            containerName,
          );
          return { ok: true, imageRef: present };
        }
        const message = `Container image "${image}" is not present with pull policy of Never`;
        warn("ErrImageNeverPull", message);
        return { ok: false, reason: "ErrImageNeverPull", message };
      }
      const key = `${pod.uid}_${image}`;
      if (ctx.imagePull.isInBackoffSinceUpdate(key, ctx.clock.now())) {
        const message = `Back-off pulling image "${image}"`;
        ctx.emit("Normal", "BackOff", pod, message, containerName);
        const previous = lastFailures.get(key);
        return {
          ok: false,
          reason: "ImagePullBackOff",
          message: previous === undefined ? message : `${message}: ${previous.text}`,
          ...(previous !== undefined ? { retryAtMs: previous.atMs + ctx.imagePull.get(key) } : {}),
        };
      }
      lastFailures.delete(key);
      ctx.emit("Normal", "Pulling", pod, `Pulling image "${image}"`, containerName);
      const requestedAt = ctx.clock.now();
      try {
        const { imageRef, pullMs } = await serialized(() => pull(defaulted, request));
        const totalMs = ctx.clock.now() - requestedAt;
        let size = 0n;
        try {
          size =
            (await ctx.images.imageStatus({ image: { image: imageRef } }, { signal: request.signal })).image
              ?.size ?? 0n;
        } catch {
          // The size only decorates the event.
        }
        ctx.emit(
          "Normal",
          "Pulled",
          pod,
          `Successfully pulled image "${image}" in ${formatGoDuration(Math.trunc(pullMs))} (${formatGoDuration(Math.trunc(totalMs))} including waiting). Image size: ${size} bytes.`,
          containerName,
        );
        ctx.imagePull.gc();
        return { ok: true, imageRef };
      } catch (err) {
        if (request.signal?.aborted === true) throw KubeletKitError.from(request.signal.reason, "Canceled");
        const text = pullErrorText(err);
        warn("Failed", `Failed to pull image "${image}": ${text}`);
        ctx.imagePull.next(key);
        const failure = pullFailure(image, text);
        lastFailures.set(key, { text: `${failure.reason}: ${failure.message}`, atMs: ctx.clock.now() });
        return failure;
      }
    },
  };
}

/** `evalCRIPullErr`: the reason and waiting message of a failed pull, from the runtime's error text. */
function pullFailure(image: string, text: string): EnsureImageResult & { ok: false } {
  for (const [prefix, what] of [
    ["RegistryUnavailable", "the registry is unavailable"],
    ["SignatureValidationFailed", "the signature validation failed"],
  ] as const) {
    if (text.startsWith(prefix)) {
      return {
        ok: false,
        reason: prefix,
        message: `image pull failed for ${image} because ${what}${text.slice(prefix.length)}`,
      };
    }
  }
  return { ok: false, reason: "ErrImagePull", message: text };
}
