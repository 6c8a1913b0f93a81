import { type IdLookup, lookupById } from "./ids.js";
import { matchesLabels } from "./labels.js";

/** What {@link RecordIndex} needs of a record. */
export interface IndexedRecord {
  readonly id: string;
}

interface Entry<T> {
  readonly record: T;
  /** The `key=value` label pairs the record was indexed under (its labels when it was added). */
  readonly labelKeys: readonly string[];
  /** The group it was indexed under, if any. */
  readonly group: string | undefined;
}

/**
 * Records by id in insertion order, with an inverted index of their labels and an optional grouping key
 * (a container's sandbox), so a filtered list costs the size of the answer instead of a scan of every
 * record. Every narrowed view keeps the insertion order, which is the order the lists answer in.
 *
 * Labels and the group are read once, when the record is added: they are immutable parts of its config.
 */
export class RecordIndex<T extends IndexedRecord> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #byLabel = new Map<string, Set<T>>();
  readonly #byGroup = new Map<string, Set<T>>();
  readonly #labelsOf: (record: T) => Readonly<Record<string, string>>;
  readonly #groupOf: ((record: T) => string) | undefined;

  constructor(labelsOf: (record: T) => Readonly<Record<string, string>>, groupOf?: (record: T) => string) {
    this.#labelsOf = labelsOf;
    this.#groupOf = groupOf;
  }

  get size(): number {
    return this.#entries.size;
  }

  add(record: T): void {
    this.remove(record.id);
    // Handlers called directly (not through a transport) may get a config without labels.
    const labels: Readonly<Record<string, string>> | undefined = this.#labelsOf(record);
    const labelKeys = Object.entries(labels ?? {}).map(([key, value]) => labelKey(key, value));
    for (const key of labelKeys) addTo(this.#byLabel, key, record);
    const group = this.#groupOf?.(record);
    if (group !== undefined) addTo(this.#byGroup, group, record);
    this.#entries.set(record.id, { record, labelKeys, group });
  }

  remove(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    this.#entries.delete(id);
    for (const key of entry.labelKeys) removeFrom(this.#byLabel, key, entry.record);
    if (entry.group !== undefined) removeFrom(this.#byGroup, entry.group, entry.record);
  }

  /** The record with exactly this id. */
  get(id: string): T | undefined {
    return this.#entries.get(id)?.record;
  }

  /** Exact id (a map hit) or unique prefix (a scan), as containerd's truncated index resolves it. */
  lookup(idOrPrefix: string): IdLookup<T> {
    const exact = this.#entries.get(idOrPrefix);
    if (exact !== undefined) return { found: exact.record };
    return lookupById(this.values(), idOrPrefix);
  }

  *values(): IterableIterator<T> {
    for (const entry of this.#entries.values()) yield entry.record;
  }

  /** Every record, in insertion order. */
  list(): T[] {
    return Array.from(this.values());
  }

  /** The records of one group, in insertion order. */
  inGroup(group: string): T[] {
    const members = this.#byGroup.get(group);
    return members === undefined ? [] : Array.from(members);
  }

  /**
   * The records with exactly this id (when `id` is not ""), in this group (when `group` is given), carrying
   * every selector label, that pass `keep`; in insertion order. Candidates come from the narrowest index
   * that applies; each is then checked against every criterion.
   */
  select(criteria: {
    id: string;
    group?: string | undefined;
    labelSelector?: Readonly<Record<string, string>> | undefined;
    keep?: (record: T) => boolean;
  }): T[] {
    const { id, group, labelSelector, keep } = criteria;
    let candidates: Iterable<T>;
    if (id !== "") {
      const record = this.get(id);
      candidates = record === undefined ? [] : [record];
    } else {
      candidates = this.values();
      let smallest = Number.POSITIVE_INFINITY;
      const narrow = (set: Set<T> | undefined): void => {
        const size = set?.size ?? 0;
        if (size < smallest) {
          smallest = size;
          candidates = set ?? [];
        }
      };
      if (group !== undefined) narrow(this.#byGroup.get(group));
      if (labelSelector !== undefined) {
        for (const [key, value] of Object.entries(labelSelector))
          narrow(this.#byLabel.get(labelKey(key, value)));
      }
    }
    const out: T[] = [];
    for (const record of candidates) {
      if (group !== undefined && this.#groupOf?.(record) !== group) continue;
      if (!matchesLabels(this.#labelsOf(record), labelSelector)) continue;
      if (keep !== undefined && !keep(record)) continue;
      out.push(record);
    }
    return out;
  }
}

// A key or value holding NUL could make two pairs share an entry; that only widens a candidate set, and
// every candidate is checked against the selector itself.
function labelKey(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

function addTo<T>(map: Map<string, Set<T>>, key: string, record: T): void {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  set.add(record);
}

function removeFrom<T>(map: Map<string, Set<T>>, key: string, record: T): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(record);
  if (set.size === 0) map.delete(key);
}
