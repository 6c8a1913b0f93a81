import type { V1Pod } from "@kubernetes/client-node";

// The API's v1 defaulting of a Pod, as the kubelet's manifest decoder applies it before `applyDefaults`
// (`pkg/apis/core/v1/defaults.go` and its generated `SetObjectDefaults_Pod`). Manifests are untyped YAML,
// so every step checks shapes and leaves anything unexpected for validation to reject.

type JsonObject = Record<string, unknown>;

/** `v1.DefaultTerminationGracePeriodSeconds`. */
const TERMINATION_GRACE_PERIOD_SECONDS = 30;
/** `v1.DefaultSchedulerName`. */
const SCHEDULER_NAME = "default-scheduler";
/** `v1.TerminationMessagePathDefault`. */
const TERMINATION_MESSAGE_PATH = "/dev/termination-log";
/** Secret, ConfigMap, downward API and projected volumes: `0644`. */
const VOLUME_DEFAULT_MODE = 0o644;
/** `SetDefaults_ServiceAccountTokenProjection`: one hour. */
const TOKEN_EXPIRATION_SECONDS = 3600;

/** The keys of a `VolumeSource`: a volume naming none of them becomes an `emptyDir`. */
const VOLUME_SOURCE_KEYS = [
  "awsElasticBlockStore",
  "azureDisk",
  "azureFile",
  "cephfs",
  "cinder",
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "fc",
  "flexVolume",
  "flocker",
  "gcePersistentDisk",
  "gitRepo",
  "glusterfs",
  "hostPath",
  "image",
  "iscsi",
  "nfs",
  "persistentVolumeClaim",
  "photonPersistentDisk",
  "portworxVolume",
  "projected",
  "quobyte",
  "rbd",
  "scaleIO",
  "secret",
  "storageos",
  "vsphereVolume",
] as const;

/**
 * Applies the API server's v1 defaults to a pod, as the kubelet's decoder does for file and HTTP manifests
 * before it names the pod and hashes its UID. Returns a new pod and leaves `pod` untouched. Only fields
 * that are absent (or `null`, `""`, or `0` where Go cannot tell those from absent) are filled in:
 *
 * - `SetDefaults_PodSpec`: `dnsPolicy` ClusterFirst, `restartPolicy` Always, `securityContext` `{}`,
 *   `terminationGracePeriodSeconds` 30, `schedulerName` default-scheduler;
 * - `SetDefaults_Pod`: `enableServiceLinks` true; requests copied from limits for each resource a
 *   container or init container limits but does not request; with `hostNetwork`, each container and init
 *   container port's `hostPort` set to its `containerPort`;
 * - every container, init container and ephemeral container (`SetDefaults_Container`): `imagePullPolicy`
 *   ({@link defaultImagePullPolicy}), `terminationMessagePath` /dev/termination-log,
 *   `terminationMessagePolicy` File; port `protocol` TCP; env `valueFrom.fieldRef.apiVersion` v1;
 *   liveness, readiness and startup probes (`SetDefaults_Probe`): `timeoutSeconds` 1, `periodSeconds` 10,
 *   `successThreshold` 1, `failureThreshold` 3, an HTTP GET's `path` "/" and `scheme` HTTP
 *   (`SetDefaults_HTTPGetAction`, also for `postStart`/`preStop` hooks), a gRPC check's `service` "";
 * - volumes (`SetDefaults_Volume` and the source defaulters): `emptyDir: {}` when no source is given;
 *   `hostPath.type` ""; `defaultMode` 0644 on secret, configMap, downwardAPI and projected sources;
 *   downward API `fieldRef.apiVersion` v1; a projected service account token's `expirationSeconds` 3600;
 *   an ephemeral claim template's `volumeMode` Filesystem; `iscsi.iscsiInterface` default; `rbd` pool
 *   rbd, user admin, keyring /etc/ceph/keyring; an image volume's `pullPolicy` (Always for the tag
 *   `latest`, else IfNotPresent; upstream does this only with the `ImageVolume` feature gate on).
 *
 * Not applied: rounding resource quantities up to milli-units (`SetDefaults_ResourceList`), pod-level
 * resource defaulting (`PodLevelResources` gate), and the azureDisk and scaleIO volume defaults.
 */
export function applyPodApiDefaults(pod: V1Pod): V1Pod {
  return applyPodApiDefaultsInPlace(structuredClone(pod));
}

/**
 * {@link applyPodApiDefaults} without the copy: fills in `pod` itself and returns it. For the manifest
 * decoder, which owns the pod it just parsed; not exported from the package.
 */
export function applyPodApiDefaultsInPlace(pod: V1Pod): V1Pod {
  const result = pod;
  const root = result as unknown as JsonObject;
  if (root.spec === undefined || root.spec === null) root.spec = {};
  const spec = root.spec;
  if (!isObject(spec)) return result;

  const regular = objectsIn(spec.containers);
  const init = objectsIn(spec.initContainers);
  const ephemeral = objectsIn(spec.ephemeralContainers);

  // SetDefaults_Pod
  for (const container of [...regular, ...init]) defaultRequestsToLimits(container);
  setIfUnset(spec, "enableServiceLinks", true);
  if (spec.hostNetwork === true) {
    for (const container of [...regular, ...init]) {
      for (const port of objectsIn(container.ports)) {
        if (isUnsetNumber(port.hostPort) && typeof port.containerPort === "number") {
          port.hostPort = port.containerPort;
        }
      }
    }
  }

  // SetDefaults_PodSpec
  setIfEmptyString(spec, "dnsPolicy", "ClusterFirst");
  setIfEmptyString(spec, "restartPolicy", "Always");
  setIfUnset(spec, "securityContext", {});
  setIfUnset(spec, "terminationGracePeriodSeconds", TERMINATION_GRACE_PERIOD_SECONDS);
  setIfEmptyString(spec, "schedulerName", SCHEDULER_NAME);

  for (const volume of objectsIn(spec.volumes)) defaultVolume(volume);
  for (const container of [...init, ...regular, ...ephemeral]) defaultContainer(container);
  return result;
}

/**
 * The pull policy the API gives a container (or image volume) that names none: `Always` when the image's
 * tag is `latest`, else `IfNotPresent`. The tag is read as `parsers.ParseImageName` reads it: a reference
 * with neither tag nor digest counts as `latest` (`busybox`, `registry.k8s.io/pause`), one with only a
 * digest has no tag (`busybox@sha256:…`), and one with both keeps its tag (`busybox:latest@sha256:…` is
 * `Always`). A reference that does not parse has no tag, so it gets `IfNotPresent`.
 */
export function defaultImagePullPolicy(image: string): "Always" | "IfNotPresent" {
  return imageTag(image) === "latest" ? "Always" : "IfNotPresent";
}

function defaultContainer(container: JsonObject): void {
  if (isEmptyString(container.imagePullPolicy)) {
    container.imagePullPolicy = defaultImagePullPolicy(
      typeof container.image === "string" ? container.image : "",
    );
  }
  setIfEmptyString(container, "terminationMessagePath", TERMINATION_MESSAGE_PATH);
  setIfEmptyString(container, "terminationMessagePolicy", "File");
  for (const port of objectsIn(container.ports)) setIfEmptyString(port, "protocol", "TCP");
  for (const variable of objectsIn(container.env)) {
    const valueFrom = variable.valueFrom;
    if (isObject(valueFrom)) defaultFieldRef(valueFrom.fieldRef);
  }
  for (const key of ["livenessProbe", "readinessProbe", "startupProbe"] as const) {
    const probe = container[key];
    if (isObject(probe)) defaultProbe(probe);
  }
  const lifecycle = container.lifecycle;
  if (isObject(lifecycle)) {
    for (const key of ["postStart", "preStop"] as const) {
      const hook = lifecycle[key];
      if (isObject(hook)) defaultHttpGet(hook.httpGet);
    }
  }
}

/** `SetDefaults_Pod`: each resource with a limit and no request is requested at its limit. */
function defaultRequestsToLimits(container: JsonObject): void {
  const resources = container.resources;
  if (!isObject(resources) || !isObject(resources.limits)) return;
  if (resources.requests === undefined || resources.requests === null) resources.requests = {};
  const requests = resources.requests;
  if (!isObject(requests)) return;
  for (const [name, limit] of Object.entries(resources.limits)) {
    if (!Object.hasOwn(requests, name)) requests[name] = limit;
  }
}

function defaultProbe(probe: JsonObject): void {
  setIfZero(probe, "timeoutSeconds", 1);
  setIfZero(probe, "periodSeconds", 10);
  setIfZero(probe, "successThreshold", 1);
  setIfZero(probe, "failureThreshold", 3);
  defaultHttpGet(probe.httpGet);
  const grpc = probe.grpc;
  if (isObject(grpc)) setIfUnset(grpc, "service", "");
}

function defaultHttpGet(action: unknown): void {
  if (!isObject(action)) return;
  setIfEmptyString(action, "path", "/");
  setIfEmptyString(action, "scheme", "HTTP");
}

/** `SetDefaults_ObjectFieldSelector`. */
function defaultFieldRef(fieldRef: unknown): void {
  if (isObject(fieldRef)) setIfEmptyString(fieldRef, "apiVersion", "v1");
}

function defaultVolume(volume: JsonObject): void {
  if (VOLUME_SOURCE_KEYS.every((key) => volume[key] === undefined || volume[key] === null)) {
    volume.emptyDir = {};
  }
  const { hostPath, secret, configMap, downwardAPI, projected, ephemeral, iscsi, rbd, image } = volume;
  if (isObject(hostPath)) setIfUnset(hostPath, "type", "");
  if (isObject(secret)) setIfUnset(secret, "defaultMode", VOLUME_DEFAULT_MODE);
  if (isObject(configMap)) setIfUnset(configMap, "defaultMode", VOLUME_DEFAULT_MODE);
  if (isObject(downwardAPI)) {
    setIfUnset(downwardAPI, "defaultMode", VOLUME_DEFAULT_MODE);
    for (const item of objectsIn(downwardAPI.items)) defaultFieldRef(item.fieldRef);
  }
  if (isObject(projected)) {
    setIfUnset(projected, "defaultMode", VOLUME_DEFAULT_MODE);
    for (const source of objectsIn(projected.sources)) {
      const projectedDownwardApi = source.downwardAPI;
      if (isObject(projectedDownwardApi)) {
        for (const item of objectsIn(projectedDownwardApi.items)) defaultFieldRef(item.fieldRef);
      }
      const token = source.serviceAccountToken;
      if (isObject(token)) setIfUnset(token, "expirationSeconds", TOKEN_EXPIRATION_SECONDS);
    }
  }
  if (isObject(ephemeral) && isObject(ephemeral.volumeClaimTemplate)) {
    const template = ephemeral.volumeClaimTemplate;
    if (template.spec === undefined || template.spec === null) template.spec = {};
    if (isObject(template.spec)) setIfUnset(template.spec, "volumeMode", "Filesystem");
  }
  if (isObject(iscsi)) setIfEmptyString(iscsi, "iscsiInterface", "default");
  if (isObject(rbd)) {
    setIfEmptyString(rbd, "pool", "rbd");
    setIfEmptyString(rbd, "user", "admin");
    setIfEmptyString(rbd, "keyring", "/etc/ceph/keyring");
  }
  if (isObject(image) && isEmptyString(image.pullPolicy)) {
    image.pullPolicy = defaultImagePullPolicy(typeof image.reference === "string" ? image.reference : "");
  }
}

// Image references, read as distribution/reference's `ParseNormalizedNamed` reads them.

const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const REFERENCE = new RegExp(
  `^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)` +
    "(?::([\\w][\\w.-]{0,127}))?" +
    "(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$",
);
/** The digests Kubernetes can verify (it links sha256 and sha512, which also provides sha384). */
const SUPPORTED_DIGEST = /^(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;
/** A name may not exceed 255 characters once normalised (`NameTotalLengthMax`). */
const NAME_MAX_LENGTH = 255;
/** No valid reference is this long (name 255, tag 1 + 128, digest 1 + 135); checked before the regex. */
const REFERENCE_MAX_LENGTH = 1024;
const IMAGE_ID = /^[a-f0-9]{64}$/;
const DEFAULT_DOMAIN = "docker.io";

/** The tag `ParseImageName` reports: `latest` when neither tag nor digest is given, "" when unparseable. */
function imageTag(image: string): string {
  if (image.length > REFERENCE_MAX_LENGTH || IMAGE_ID.test(image)) return "";
  let domain = DEFAULT_DOMAIN;
  let remainder = image;
  const slash = image.indexOf("/");
  if (slash !== -1) {
    const first = image.slice(0, slash);
    if (/[.:]/.test(first) || first === "localhost" || first.toLowerCase() !== first) {
      domain = first === "index.docker.io" ? DEFAULT_DOMAIN : first;
      remainder = image.slice(slash + 1);
    }
  }
  if (domain === DEFAULT_DOMAIN && !remainder.includes("/")) remainder = `library/${remainder}`;
  const colon = remainder.indexOf(":");
  const repository = colon === -1 ? remainder : remainder.slice(0, colon);
  if (repository.toLowerCase() !== repository) return "";
  const match = REFERENCE.exec(`${domain}/${remainder}`);
  if (match === null) return "";
  const [, name = "", tag, digest] = match;
  if (name.length > NAME_MAX_LENGTH) return "";
  if (digest !== undefined && !SUPPORTED_DIGEST.test(digest)) return "";
  if (tag !== undefined) return tag;
  return digest === undefined ? "latest" : "";
}

// Shape helpers: Go leaves a pointer nil for absent or null, and cannot tell "" or 0 from absent.

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function objectsIn(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function isEmptyString(value: unknown): boolean {
  return value === undefined || value === null || value === "";
}

function isUnsetNumber(value: unknown): boolean {
  return value === undefined || value === null || value === 0;
}

function setIfUnset(object: JsonObject, key: string, value: unknown): void {
  if (object[key] === undefined || object[key] === null) object[key] = value;
}

function setIfEmptyString(object: JsonObject, key: string, value: string): void {
  if (isEmptyString(object[key])) object[key] = value;
}

function setIfZero(object: JsonObject, key: string, value: number): void {
  if (isUnsetNumber(object[key])) object[key] = value;
}
