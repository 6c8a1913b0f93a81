import { goJsonMarshal } from "./go-format.js";

/** The fields of a container the kubelet hashes (`pickFieldsToHash`): only `name` and `image`. */
export interface HashedContainerFields {
  readonly name: string;
  readonly image?: string;
}

/**
 * The kubelet's container hash (`kubecontainer.HashContainer`), as the lowercase hex string it writes to
 * the `io.kubernetes.container.hash` annotation. FNV-32a over the spew dump of the JSON of
 * `{"image": …, "name": …}`, so a change of name or image (and nothing else) restarts the container.
 * Upstream: `pkg/kubelet/container/helpers.go`, `pkg/util/hash/hash.go`.
 */
export function hashContainer(container: HashedContainerFields): string {
  const json = goJsonMarshal({ image: container.image ?? "", name: container.name });
  // DeepHashObject prints the []byte with spew's `%#v`: its type, then the bytes in decimal.
  const dumped = `([]uint8)[${[...Buffer.from(json, "utf8")].join(" ")}]`;
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(dumped, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16);
}

/** Parses a hex hash annotation; `0` when missing or malformed, as the kubelet does. */
export function parseContainerHash(value: string | undefined): number {
  if (value === undefined || !/^[0-9a-fA-F]+$/.test(value)) return 0;
  return Number.parseInt(value, 16);
}

/**
 * The CrashLoopBackOff key of a container (`GetStableKey`): `<pod>_<namespace>_<uid>_<container>_<hash>`,
 * so a spec change starts a fresh back-off.
 */
export function stableContainerKey(
  pod: { name: string; namespace: string; uid: string },
  container: HashedContainerFields,
): string {
  return `${pod.name}_${pod.namespace}_${pod.uid}_${container.name}_${hashContainer(container)}`;
}
