// Text formats the Go kubelet produces with fmt and encoding/json, reproduced so that messages, keys and
// annotations written by this package are byte-identical to the kubelet's.

export { formatGoDuration, goQuote } from "@kubelet-kit/core";

/** `format.Pod`: `<name>_<namespace>(<uid>)`, the pod description in kubelet messages. */
export function formatPodDesc(pod: { name: string; namespace: string; uid: string }): string {
  return `${pod.name}_${pod.namespace}(${pod.uid})`;
}

/** Go's `%v` of a `[]string`: `[a b c]`. */
export function formatGoStringSlice(values: readonly string[]): string {
  return `[${values.join(" ")}]`;
}

/**
 * `encoding/json.Marshal` of a value whose keys are already in the order Go would write them: like
 * `JSON.stringify`, plus Go's escaping of `<`, `>`, `&`, U+2028 and U+2029 inside strings.
 */
export function goJsonMarshal(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
