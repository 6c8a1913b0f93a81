// `$(VAR)` expansion of command, args and env values, with the kubelet's rules
// (`third_party/forked/golang/expansion/expand.go`). The expansion itself lives in core (the prober
// expands exec probe commands with it too); this file keeps the runtime's use of it.

import { expand, mappingFor } from "@kubelet-kit/core";

export type { ExpansionMapping } from "@kubelet-kit/core";
export { expand, mappingFor };

/** The container's command and args with `$(VAR)` expanded from its final environment. */
export function expandCommandAndArgs(
  container: { readonly command?: readonly string[]; readonly args?: readonly string[] },
  envs: readonly { readonly name: string; readonly value: string }[],
): { command: string[]; args: string[] } {
  const env = new Map<string, string>();
  for (const e of envs) env.set(e.name, e.value);
  const mapping = mappingFor(env);
  return {
    command: (container.command ?? []).map((word) => expand(word, mapping)),
    args: (container.args ?? []).map((word) => expand(word, mapping)),
  };
}
