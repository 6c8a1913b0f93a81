/**
 * The Kubernetes minor version the probes announce (`User-Agent: kube-probe/<major>.<minor>`): the newest
 * release whose kubelet behaviour kubelet-kit follows. Agents can announce their own.
 */
export const DEFAULT_KUBE_PROBE_VERSION = "1.36";

/** `kube-probe/<major>.<minor>`, the User-Agent of httpGet and grpc probes. */
export function kubeProbeUserAgent(version: string = DEFAULT_KUBE_PROBE_VERSION): string {
  return `kube-probe/${version}`;
}

/** Most bytes of an exec probe's output or an httpGet probe's body that are kept: 10 KiB. */
export const MAX_PROBE_OUTPUT_BYTES = 10 * 1024;
