// Image references normalised the way containerd's CRI plugin does (`docker.ParseDockerRef`):
// `busybox` → `docker.io/library/busybox:latest`, `foo/bar` → `docker.io/foo/bar:latest`,
// `registry.k8s.io/pause:3.10` unchanged, a digest kept and a tag next to a digest dropped.

const DEFAULT_DOMAIN = "docker.io";
const LEGACY_DEFAULT_DOMAIN = "index.docker.io";
const HEX64 = /^[a-f0-9]{64}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$|^\[[a-fA-F0-9:]+\](?::[0-9]+)?$/;

/** A parsed, normalised reference. */
export interface NormalizedRef {
  /** `domain/path` without tag or digest, e.g. `docker.io/library/busybox`. */
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
  /** The full normalised form: `repository:tag` or `repository@digest`. */
  readonly ref: string;
}

export type ParseRefResult = { readonly ok: NormalizedRef } | { readonly error: string };

/** Parses and normalises `input`; returns the reason when it is not a valid reference. */
export function parseImageRef(input: string): ParseRefResult {
  if (input === "") return { error: "invalid reference format" };
  if (HEX64.test(input))
    return { error: "invalid repository name (cannot specify 64-byte hexadecimal strings)" };

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return { error: "invalid reference format" };
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.indexOf(":", lastSlash + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return { error: "invalid reference format" };
  }

  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (
      first.includes(".") ||
      first.includes(":") ||
      first === "localhost" ||
      first !== first.toLowerCase()
    ) {
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (!DOMAIN.test(domain)) return { error: "invalid reference format" };
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes("/")) path = `library/${path}`;
  if (path !== path.toLowerCase())
    return { error: "invalid reference format: repository name must be lowercase" };
  if (path === "" || !path.split("/").every((part) => PATH_COMPONENT.test(part))) {
    return { error: "invalid reference format" };
  }

  const repository = `${domain}/${path}`;
  if (digest !== undefined)
    return { ok: { repository, tag: undefined, digest, ref: `${repository}@${digest}` } };
  const finalTag = tag ?? "latest";
  return { ok: { repository, tag: finalTag, digest: undefined, ref: `${repository}:${finalTag}` } };
}

/** The normalised form of `input`, or `undefined` when it does not parse. */
export function normalizeImageRef(input: string): string | undefined {
  const parsed = parseImageRef(input);
  return "ok" in parsed ? parsed.ok.ref : undefined;
}
