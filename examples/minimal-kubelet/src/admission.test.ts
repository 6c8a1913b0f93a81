import { createEventHub, type PodUpdate } from "@kubelet-kit/core";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { createPodAdmission } from "./admission.js";

const pod = (uid: string): V1Pod => ({ metadata: { uid, name: uid, namespace: "default" } });

function setup(maxPods: number) {
  const config = createEventHub<{ update: (update: PodUpdate<V1Pod>) => void }>();
  const active = new Set<string>();
  const rejected: [string, V1PodStatus][] = [];
  const admission = createPodAdmission({
    config,
    maxPods,
    isActive: (uid) => active.has(uid),
    reject: (p, status) => rejected.push([p.metadata?.uid ?? "", status]),
  });
  const seen: PodUpdate<V1Pod>[] = [];
  admission.on("update", (update) => seen.push(update));
  const send = (type: PodUpdate["type"], ...uids: string[]): void =>
    config.emit("update", { type, source: "file", pods: uids.map(pod) } as PodUpdate<V1Pod>);
  const uids = (update: PodUpdate<V1Pod> | undefined) => update?.pods.map((p) => p.metadata?.uid);
  return { admission, active, rejected, seen, send, uids };
}

describe("pod admission by maxPods", () => {
  it("admits pods while fewer than maxPods are active and rejects the rest with OutOfpods", () => {
    const { active, rejected, seen, send, uids } = setup(2);
    active.add("a").add("b");
    send("add", "a", "b", "c");
    expect(uids(seen[0])).toEqual(["a", "b"]);
    expect(rejected).toEqual([
      [
        "c",
        {
          phase: "Failed",
          reason: "OutOfpods",
          message:
            "Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: 2, capacity: 2",
        },
      ],
    ]);
  });

  it("does not count pods that are no longer active", () => {
    const { active, rejected, seen, send, uids } = setup(1);
    active.add("a");
    send("add", "a");
    active.delete("a");
    send("add", "b");
    expect(uids(seen[1])).toEqual(["b"]);
    expect(rejected).toEqual([]);
  });

  it("drops later updates of a rejected pod, and forgets it when it is removed", () => {
    const { active, seen, send, uids } = setup(1);
    active.add("a");
    send("add", "a", "b");
    send("update", "a", "b");
    send("reconcile", "b");
    send("remove", "b");
    expect(seen.map((u) => [u.type, uids(u)])).toEqual([
      ["add", ["a"]],
      ["update", ["a"]],
    ]);
  });

  it("passes an empty add through: it tells the sync loop the source has reported", () => {
    const { seen, send } = setup(1);
    send("add");
    expect(seen).toEqual([{ type: "add", source: "file", pods: [] }]);
  });

  it("stops listening when closed", () => {
    const { admission, seen, send } = setup(1);
    admission.close();
    send("add", "a");
    expect(seen).toEqual([]);
  });
});
