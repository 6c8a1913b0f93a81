/** Go's `net.JoinHostPort`: `host:port`, with an IPv6 literal in brackets (`[::1]:8080`). */
export function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
