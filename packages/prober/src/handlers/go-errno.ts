// Go's wording of socket errors: probe failures read as the kubelet's do.

/** Go's texts for the errno values a dial commonly ends with (they differ from libuv's in places). */
export const GO_ERRNO_TEXT: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by peer",
  ECONNABORTED: "software caused connection abort",
  EHOSTUNREACH: "no route to host",
  ENETUNREACH: "network is unreachable",
  ETIMEDOUT: "connection timed out",
  EADDRNOTAVAIL: "cannot assign requested address",
  EADDRINUSE: "address already in use",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EAFNOSUPPORT: "address family not supported by protocol",
  EINVAL: "invalid argument",
};
