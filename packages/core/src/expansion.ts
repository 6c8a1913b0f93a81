// `$(VAR)` expansion with the kubelet's rules (`third_party/forked/golang/expansion`), used for container
// command, args and env values by the runtime, and for exec probe commands by the prober.

const OPERATOR = "$";
const OPENER = "(";
const CLOSER = ")";

/** Resolves a variable name; returns the reference unchanged when nothing maps it. */
export type ExpansionMapping = (name: string) => string;

/**
 * A mapping over the given contexts, first match wins; an unknown name expands to `$(name)` unchanged
 * (the kubelet's `MappingFuncFor`).
 */
export function mappingFor(
  ...contexts: readonly (ReadonlyMap<string, string> | Readonly<Record<string, string>>)[]
): ExpansionMapping {
  return (name) => {
    for (const context of contexts) {
      if (context instanceof Map) {
        const value = context.get(name);
        if (value !== undefined) return value;
      } else if (Object.hasOwn(context, name)) {
        return (context as Record<string, string>)[name] as string;
      }
    }
    return `${OPERATOR}${OPENER}${name}${CLOSER}`;
  };
}

/**
 * Expands `$(VAR)` references in `input`. `$$` is an escaped `$` (so `$$(VAR)` yields the literal `$(VAR)`),
 * a `$` not followed by `(` or `$` is kept as is, and an unterminated `$(` is kept as is.
 */
export function expand(input: string, mapping: ExpansionMapping): string {
  let out = "";
  let checkpoint = 0;
  let cursor = 0;
  while (cursor < input.length) {
    if (input[cursor] === OPERATOR && cursor + 1 < input.length) {
      out += input.slice(checkpoint, cursor);
      const { read, isVar, advance } = readVariableName(input.slice(cursor + 1));
      out += isVar ? mapping(read) : read;
      cursor += advance;
      checkpoint = cursor + 1;
    }
    cursor++;
  }
  return out + input.slice(checkpoint);
}

function readVariableName(input: string): { read: string; isVar: boolean; advance: number } {
  const first = String.fromCodePoint(input.codePointAt(0) ?? 0);
  if (first === OPERATOR) return { read: OPERATOR, isVar: false, advance: 1 };
  if (first === OPENER) {
    const close = input.indexOf(CLOSER, 1);
    if (close >= 1) return { read: input.slice(1, close), isVar: true, advance: close + 1 };
    return { read: OPERATOR + OPENER, isVar: false, advance: 1 };
  }
  return { read: OPERATOR + first, isVar: false, advance: first.length };
}

/** One entry of a container's `env` as the API holds it (`V1EnvVar` satisfies it). */
export interface EnvVarLike {
  readonly name: string;
  /** The literal value; absent for `valueFrom` entries. */
  readonly value?: string;
}

/**
 * `command` with `$(VAR)` expanded from the container's `env` as written in the spec, without resolving
 * any `valueFrom` (the kubelet's `ExpandContainerCommandOnlyStatic`, used for exec probes). As upstream,
 * every entry counts: a `valueFrom` entry expands to the empty string, and a later duplicate name wins.
 */
export function expandContainerCommandOnlyStatic(
  command: readonly string[],
  env: readonly EnvVarLike[] = [],
): string[] {
  const values = new Map<string, string>();
  for (const entry of env) values.set(entry.name, entry.value ?? "");
  const mapping = mappingFor(values);
  return command.map((word) => expand(word, mapping));
}
