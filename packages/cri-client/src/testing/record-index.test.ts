import { describe, expect, it } from "vitest";
import { RecordIndex } from "./record-index.js";

interface Item {
  readonly id: string;
  readonly group: string;
  readonly labels: Record<string, string>;
  state: number;
}

const item = (id: string, group: string, labels: Record<string, string>, state = 0): Item => ({
  id,
  group,
  labels,
  state,
});

function index(...items: Item[]): RecordIndex<Item> {
  const records = new RecordIndex<Item>(
    (record) => record.labels,
    (record) => record.group,
  );
  for (const record of items) records.add(record);
  return records;
}

const ids = (items: readonly Item[]) => items.map((record) => record.id);

describe("RecordIndex", () => {
  it("selects by label, group, id and predicate, in insertion order, checking every criterion", () => {
    const records = index(
      item("a1", "s1", { uid: "u1", app: "web" }),
      item("b1", "s2", { uid: "u2", app: "web" }),
      item("a2", "s1", { uid: "u1", app: "db" }, 1),
      item("c1", "s3", { uid: "u3" }),
    );
    expect(ids(records.select({ id: "", labelSelector: { uid: "u1" } }))).toEqual(["a1", "a2"]);
    expect(ids(records.select({ id: "", labelSelector: { app: "web" } }))).toEqual(["a1", "b1"]);
    expect(ids(records.select({ id: "", labelSelector: { uid: "u1", app: "db" } }))).toEqual(["a2"]);
    expect(ids(records.select({ id: "", labelSelector: { uid: "u1", app: "none" } }))).toEqual([]);
    expect(ids(records.select({ id: "", labelSelector: { missing: "x" } }))).toEqual([]);
    expect(ids(records.select({ id: "", group: "s1" }))).toEqual(["a1", "a2"]);
    expect(ids(records.select({ id: "", group: "s1", labelSelector: { app: "web" } }))).toEqual(["a1"]);
    expect(ids(records.select({ id: "", group: "nope" }))).toEqual([]);
    expect(ids(records.select({ id: "b1", labelSelector: { uid: "u1" } }))).toEqual([]);
    expect(ids(records.select({ id: "a2", group: "s1" }))).toEqual(["a2"]);
    expect(ids(records.select({ id: "", keep: (record) => record.state === 1 }))).toEqual(["a2"]);
    expect(ids(records.select({ id: "", labelSelector: {} }))).toEqual(["a1", "b1", "a2", "c1"]);
  });

  it("forgets removed records in every index, and finds a re-created one (new id, same labels) after the others", () => {
    const records = index(
      item("a1", "s1", { uid: "u1" }),
      item("b1", "s2", { uid: "u2" }),
      item("a2", "s1", { uid: "u1" }),
    );
    records.remove("a1");
    expect(ids(records.select({ id: "", labelSelector: { uid: "u1" } }))).toEqual(["a2"]);
    expect(ids(records.inGroup("s1"))).toEqual(["a2"]);
    expect(records.get("a1")).toBeUndefined();
    expect(records.lookup("a1")).toEqual({ missing: "not-found", detail: "not found" });

    records.remove("a2");
    expect(ids(records.select({ id: "", labelSelector: { uid: "u1" } }))).toEqual([]);
    expect(records.inGroup("s1")).toEqual([]);

    records.add(item("a3", "s1", { uid: "u1" }));
    expect(ids(records.select({ id: "", labelSelector: { uid: "u1" } }))).toEqual(["a3"]);
    expect(ids(records.inGroup("s1"))).toEqual(["a3"]);
    expect(ids(records.list())).toEqual(["b1", "a3"]);
    expect(records.size).toBe(2);
    // Removing an unknown id changes nothing.
    records.remove("zz");
    expect(records.size).toBe(2);
  });

  it("looks ids up exactly or by unique prefix, as containerd's truncated index does", () => {
    const records = index(item("abc1", "s", {}), item("abd2", "s", {}), item("ab", "s", {}));
    expect(records.lookup("ab")).toMatchObject({ found: { id: "ab" } });
    expect(records.lookup("abc")).toMatchObject({ found: { id: "abc1" } });
    expect(records.lookup("a")).toMatchObject({ missing: "ambiguous" });
    expect(records.lookup("")).toMatchObject({ missing: "empty-prefix" });
    expect(records.lookup("x")).toMatchObject({ missing: "not-found" });
  });

  it("treats a record without labels as having none", () => {
    const records = new RecordIndex<{ id: string; labels?: Record<string, string> }>(
      (record) => record.labels as Record<string, string>,
    );
    records.add({ id: "x" });
    expect(records.select({ id: "" }).map((record) => record.id)).toEqual(["x"]);
    expect(records.select({ id: "", labelSelector: { a: "b" } })).toEqual([]);
  });
});
