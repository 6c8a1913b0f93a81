/**
 * The part of a Kubernetes `Pod` that core's contracts read. `@kubernetes/client-node`'s `V1Pod` satisfies
 * it, so contracts take `<P extends PodLike = PodLike>` and embedders pass `V1Pod` (or their own type)
 * without core depending on client-node.
 */
export interface PodLike {
  readonly metadata?: {
    readonly uid?: string;
    readonly name?: string;
    readonly namespace?: string;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly labels?: Readonly<Record<string, string>>;
  };
  /** `V1PodSpec`; opaque to core. */
  readonly spec?: unknown;
  /** `V1PodStatus`; opaque to core. */
  readonly status?: unknown;
}

/** The API status type carried by a pod type: `V1PodStatus` for `V1Pod`. */
export type PodApiStatusOf<P extends PodLike> = NonNullable<P["status"]>;

/** The part of a Kubernetes `Secret` an image pull reads (`kubernetes.io/dockerconfigjson` secrets). */
export interface SecretLike {
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly type?: string;
  /** Base64-encoded values, as in the API object. */
  readonly data?: Readonly<Record<string, string>>;
}

/** Identifies a pod in events and results without carrying the whole object. */
export interface PodRef {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
}

/** Identifies one container instance of a pod. */
export interface ContainerRef {
  readonly podUid: string;
  /** The CRI container ID (without the `<runtime>://` prefix). */
  readonly containerId: string;
}
